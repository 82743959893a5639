/* The sentence units and passages of a run of texts, compiled (index/passages.py: layouts).
 *
 * Written by hand because it is the product's core indexing loop, and in Python most of its cost is
 * the interpreter's, not the work: per sentence a match object, a slice, a strip, a split into words
 * and a few tuples, about 48 µs an article of the benchmark corpus (five sentences), two thirds of
 * what analysing its words costs besides. Here it is one pass over the characters, about 4 µs.
 *
 * It does character by character what the Python reference does (passages.layout, text by text):
 * the _BOUNDARY pattern's matches left to right, a period closing an abbreviation skipped
 * (_is_abbreviation), each sentence stripped (_append_stripped), one longer than maximum words cut
 * at words (_split_long), and the units grouped into passages (layout's loop). White space is what
 * str.split(), str.strip() and the patterns' \s take for it (Py_UNICODE_ISSPACE). An abbreviation is
 * decided here when the word before the period is ASCII or too long to be one; otherwise the
 * reference's own _is_abbreviation is asked, so that Unicode case mapping stays Python's.
 * tests/test_layout_compiled.py checks that the two agree.
 *
 * Offsets and counts come back as int32; a text of 2**31 characters or more raises OverflowError.
 * The GIL is held throughout (it reads str objects and may call back into Python).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A growable array of int32. */
typedef struct {
    int32_t *data;
    Py_ssize_t length;
    Py_ssize_t capacity;
} Ints;

static int push(Ints *ints, Py_ssize_t value) {
    if (value < 0 || value > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "_layout: an offset or count does not fit in int32");
        return -1;
    }
    if (ints->length == ints->capacity) {
        Py_ssize_t capacity = ints->capacity ? 2 * ints->capacity : 256;
        if (capacity > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(int32_t)) {
            PyErr_NoMemory();
            return -1;
        }
        int32_t *grown = PyMem_Realloc(ints->data, (size_t)capacity * sizeof(int32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        ints->data = grown;
        ints->capacity = capacity;
    }
    ints->data[ints->length++] = (int32_t)value;
    return 0;
}

static PyObject *as_bytes(const Ints *ints) {
    return PyBytes_FromStringAndSize((const char *)ints->data, ints->length * (Py_ssize_t)sizeof(int32_t));
}

/* What a run is laid out with, and into. */
typedef struct {
    Py_ssize_t target;
    Py_ssize_t maximum;
    PyObject *abbreviations;   /* a set of lower-case words */
    Py_ssize_t longest;        /* the longest of them */
    PyObject *is_abbreviation; /* passages._is_abbreviation(text, stop) */
    Ints spans;                /* per unit, its start and end */
    Ints words;                /* per unit, how many words it has */
    Ints units;                /* per text, how many units it has */
    Ints passages;             /* per text, how many passages it has */
    Ints groups;               /* per passage, its first and last unit, as indices into the run's units */
} Run;

/* A text: its characters by index, always within [0, length). */
typedef struct {
    PyObject *object;
    int kind;
    const void *data;
    Py_ssize_t length;
} Text;

static inline Py_UCS4 at(const Text *text, Py_ssize_t i) {
    return PyUnicode_READ(text->kind, text->data, i);
}

static inline int is_stop(Py_UCS4 c) { /* [.!?…] */
    return c == '.' || c == '!' || c == '?' || c == 0x2026;
}

static inline int is_closer(Py_UCS4 c) { /* ["'”’)\]] */
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == ')' || c == ']';
}

static inline int is_opener(Py_UCS4 c) { /* ["'“‘(\[] */
    return c == '"' || c == '\'' || c == 0x201C || c == 0x2018 || c == '(' || c == '[';
}

static inline int is_capital(Py_UCS4 c) { /* [A-Z0-9А-ЯЁІЇЄҐ] */
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c >= 0x0410 && c <= 0x042F) || c == 0x0401
           || c == 0x0406 || c == 0x0407 || c == 0x0404 || c == 0x0490;
}

static inline int is_quote_or_bracket(Py_UCS4 c) { /* what _is_abbreviation strips off a word's start: ("'“‘ */
    return c == '(' || c == '"' || c == '\'' || c == 0x201C || c == 0x2018;
}

static inline Py_UCS4 ascii_lower(Py_UCS4 c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* _is_abbreviation(text, stop): 1 when the period at stop - 1 closes an abbreviation or an initial, 0 when
 * not, -1 on error. */
static int abbreviation(Run *run, const Text *text, Py_ssize_t stop) {
    Py_ssize_t end = stop - 1;
    Py_ssize_t start = end - 1;
    while (start >= 0 && at(text, start) != ' ' && at(text, start) != '\n') {
        start--;
    }
    start++;
    while (start < end && is_quote_or_bracket(at(text, start))) {
        start++;
    }
    Py_ssize_t size = end - start;
    /* Lower-casing never shortens a word, so one longer than every abbreviation is none (nor an initial). */
    if (size == 0 || (size > run->longest && size > 1)) {
        return 0;
    }
    char lowered[64];
    int ascii = size <= (Py_ssize_t)sizeof(lowered);
    for (Py_ssize_t i = 0; ascii && i < size; i++) {
        Py_UCS4 c = at(text, start + i);
        if (c >= 128) {
            ascii = 0;
        } else {
            lowered[i] = (char)ascii_lower(c);
        }
    }
    if (!ascii) {
        PyObject *found = PyObject_CallFunction(run->is_abbreviation, "On", text->object, stop);
        if (found == NULL) {
            return -1;
        }
        int answer = PyObject_IsTrue(found);
        Py_DECREF(found);
        return answer;
    }
    if (size == 1 && lowered[0] >= 'a' && lowered[0] <= 'z') {
        return 1;
    }
    PyObject *word = PyUnicode_FromStringAndSize(lowered, size);
    if (word == NULL) {
        return -1;
    }
    int answer = PySet_Contains(run->abbreviations, word);
    Py_DECREF(word);
    return answer;
}

/* The sentence text[start:end] stripped, as units (_units): cut at words when longer than maximum words. */
static int add_sentence(Run *run, const Text *text, Py_ssize_t start, Py_ssize_t end) {
    while (start < end && Py_UNICODE_ISSPACE(at(text, start))) {
        start++;
    }
    while (end > start && Py_UNICODE_ISSPACE(at(text, end - 1))) {
        end--;
    }
    if (start == end) {
        return 0;
    }
    Py_ssize_t count = 0;
    int in_word = 0;
    for (Py_ssize_t i = start; i < end; i++) {
        int space = Py_UNICODE_ISSPACE(at(text, i));
        count += !space && !in_word;
        in_word = !space;
    }
    if (count <= run->maximum) {
        return push(&run->spans, start) || push(&run->spans, end) || push(&run->words, count);
    }
    /* Pieces of maximum words, each from its first word's start to its last word's end. */
    Py_ssize_t piece_start = 0, piece_words = 0;
    in_word = 0;
    for (Py_ssize_t i = start; i <= end; i++) {
        int space = i == end || Py_UNICODE_ISSPACE(at(text, i));
        if (!space && !in_word && piece_words++ == 0) {
            piece_start = i;
        }
        if (space && in_word && (piece_words == run->maximum || i == end)) {
            if (push(&run->spans, piece_start) || push(&run->spans, i) || push(&run->words, piece_words)) {
                return -1;
            }
            piece_words = 0;
        }
        in_word = !space;
    }
    return 0;
}

/* _sentence_bounds and _units over a whole text. */
static int add_units(Run *run, const Text *text) {
    Py_ssize_t n = text->length, begin = 0, pos = 0;
    while (pos < n) {
        Py_UCS4 c = at(text, pos);
        Py_ssize_t match_end, piece_end;
        if (is_stop(c)) {
            /* [.!?…]+["'”’)\]]* followed by (?=\s+["'“‘(\[]?[A-Z0-9А-ЯЁІЇЄҐ]); backing off the greedy runs
             * never helps, as it leaves a stop or a closer, not white space, next. */
            Py_ssize_t k = pos + 1;
            while (k < n && is_stop(at(text, k))) {
                k++;
            }
            while (k < n && is_closer(at(text, k))) {
                k++;
            }
            Py_ssize_t next = k;
            while (next < n && Py_UNICODE_ISSPACE(at(text, next))) {
                next++;
            }
            if (next < n && next > k && is_opener(at(text, next))) {
                next++;
            }
            if (next == k || next >= n || !is_capital(at(text, next))) {
                pos++;
                continue;
            }
            if (c == '.') {
                int skip = abbreviation(run, text, pos + 1);
                if (skip < 0) {
                    return -1;
                }
                if (skip) {
                    pos = k;
                    continue;
                }
            }
            match_end = piece_end = k;
        } else if (c == '\n') {
            /* A paragraph's end: \n\s*\n, the white space up to its last line break. */
            Py_ssize_t last = -1;
            for (Py_ssize_t k = pos + 1; k < n && Py_UNICODE_ISSPACE(at(text, k)); k++) {
                if (at(text, k) == '\n') {
                    last = k;
                }
            }
            if (last < 0) {
                pos++;
                continue;
            }
            match_end = last + 1;
            piece_end = pos;
        } else {
            pos++;
            continue;
        }
        if (add_sentence(run, text, begin, piece_end) < 0) {
            return -1;
        }
        begin = pos = match_end;
    }
    return add_sentence(run, text, begin, n);
}

/* layout's grouping of the units [first, first + count) of the run into passages. */
static int add_passages(Run *run, Py_ssize_t first, Py_ssize_t count) {
    const int32_t *words = run->words.data + first;
    Py_ssize_t passages = 0, i = 0;
    while (i < count) {
        Py_ssize_t j = i, total = 0;
        while (j < count && total < run->target && (j == i || total + words[j] <= run->maximum)) {
            total += words[j];
            j++;
        }
        if (push(&run->groups, first + i) || push(&run->groups, first + j - 1)) {
            return -1;
        }
        passages++;
        if (j >= count) {
            break;
        }
        /* Overlap one unit, unless that would make no progress. */
        i = j - 1 > i ? j - 1 : j;
    }
    return push(&run->passages, passages);
}

static PyObject *layout(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "layout() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    Run run = {0};
    run.target = PyLong_AsSsize_t(args[1]);
    if (run.target == -1 && PyErr_Occurred()) {
        return NULL;
    }
    run.maximum = PyLong_AsSsize_t(args[2]);
    if (run.maximum == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (run.target < 1 || run.maximum < 1) {
        PyErr_SetString(PyExc_ValueError, "layout(): target and maximum must be at least 1");
        return NULL;
    }
    run.abbreviations = args[3];
    if (!PyAnySet_Check(run.abbreviations)) {
        PyErr_SetString(PyExc_TypeError, "layout(): abbreviations must be a set of str");
        return NULL;
    }
    run.is_abbreviation = args[4];
    if (!PyCallable_Check(run.is_abbreviation)) {
        PyErr_SetString(PyExc_TypeError, "layout(): is_abbreviation must be callable");
        return NULL;
    }
    PyObject *iterator = PyObject_GetIter(run.abbreviations);
    if (iterator == NULL) {
        return NULL;
    }
    PyObject *word;
    while ((word = PyIter_Next(iterator)) != NULL) {
        if (!PyUnicode_Check(word)) {
            Py_DECREF(word);
            Py_DECREF(iterator);
            PyErr_SetString(PyExc_TypeError, "layout(): abbreviations must be a set of str");
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(word) > run.longest) {
            run.longest = PyUnicode_GET_LENGTH(word);
        }
        Py_DECREF(word);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        return NULL;
    }
    /* A tuple of the texts, so that a callback cannot change them under the loop. */
    PyObject *texts = PySequence_Tuple(args[0]);
    if (texts == NULL) {
        return NULL;
    }
    PyObject *result = NULL;
    for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(texts); t++) {
        PyObject *object = PyTuple_GET_ITEM(texts, t);
        if (!PyUnicode_Check(object)) {
            PyErr_SetString(PyExc_TypeError, "layout(): texts must be str");
            goto done;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(object) < 0) {
            goto done;
        }
#endif
        Text text = {object, PyUnicode_KIND(object), PyUnicode_DATA(object), PyUnicode_GET_LENGTH(object)};
        if (text.length > INT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "layout(): a text of 2**31 characters or more");
            goto done;
        }
        Py_ssize_t first = run.words.length;
        if (add_units(&run, &text) < 0 || push(&run.units, run.words.length - first)
            || add_passages(&run, first, run.words.length - first) < 0) {
            goto done;
        }
    }
    const Ints *parts[5] = {&run.spans, &run.words, &run.units, &run.passages, &run.groups};
    result = PyTuple_New(5);
    for (int i = 0; result != NULL && i < 5; i++) {
        PyObject *part = as_bytes(parts[i]);
        if (part == NULL) {
            Py_CLEAR(result);
        } else {
            PyTuple_SET_ITEM(result, i, part);
        }
    }
done:
    Py_DECREF(texts);
    PyMem_Free(run.spans.data);
    PyMem_Free(run.words.data);
    PyMem_Free(run.units.data);
    PyMem_Free(run.passages.data);
    PyMem_Free(run.groups.data);
    return result;
}

/* ---------------------------------------------------------------- boilerplate candidates
 *
 * passages.is_boilerplate costs 2-3 µs a unit in Python, the dearest part of a worker's analysis after
 * its words, and nearly every unit is prose. These are the tests it passes a unit of prose by, made
 * here a run at a time so that only the units that might be page furniture are asked about: a unit is
 * a candidate unless it surely passes them all. Where a test would need Unicode's word characters or
 * case mapping (a character past ASCII in the opening words, or one whose lower case is ASCII in the
 * last 120), the unit is a candidate and Python decides. tests/test_layout_compiled.py checks that the
 * units left out are never boilerplate. */

static inline int ascii_letter(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int ascii_word_char(Py_UCS4 c) { /* \w, for ASCII */
    return ascii_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

/* What the test reads: the lists of words it looks opening words up in. */
typedef struct {
    PyObject *keywords;     /* a set: an opening word that makes a unit worth the patterns */
    PyObject *second_words; /* a dict: an opening word → the set of second words that do */
    PyObject *stamp_words;  /* a set: an opening word of a time stamp line */
} Furniture;

/* text[start:end) lower-cased (ASCII) as a str; in *word. -1 on error. */
static int lower_word(const Text *text, Py_ssize_t start, Py_ssize_t end, PyObject **word) {
    char buffer[64];
    Py_ssize_t n = end - start < (Py_ssize_t)sizeof(buffer) ? end - start : (Py_ssize_t)sizeof(buffer);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = at(text, start + i);
        buffer[i] = (char)(c == 0x2019 ? '\'' : ascii_lower(c)); /* is_boilerplate reads ’ as ' */
    }
    *word = PyUnicode_FromStringAndSize(buffer, n);
    return *word == NULL ? -1 : 0;
}

/* Whether set (a set, or a dict's value: a set or None) holds text[start:end) lower-cased: 1, 0, or -1 on error. */
static int holds(PyObject *set, const Text *text, Py_ssize_t start, Py_ssize_t end) {
    if (set == NULL || !PyAnySet_Check(set) || end - start > 63) {
        return 0; /* no set, or a word longer than any listed */
    }
    PyObject *word;
    if (lower_word(text, start, end, &word) < 0) {
        return -1;
    }
    int found = PySet_Contains(set, word);
    Py_DECREF(word);
    return found;
}

/* The tests on a unit's opening word (word, lower-cased; text[i:end) what follows it): a keyword, one
 * whose second word makes it one, or, in a short line, a time stamp's word. 1, 0, or -1 on error. */
static int opening_words(const Furniture *furniture, const Text *text, PyObject *word, Py_ssize_t i, Py_ssize_t end,
                         int short_line) {
    int found = PySet_Contains(furniture->keywords, word);
    if (found != 0) {
        return found;
    }
    PyObject *seconds = PyDict_GetItemWithError(furniture->second_words, word);
    if (seconds == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (seconds != NULL) {
        /* The second word: past what is not a word character, the word characters that follow. */
        Py_ssize_t j = i;
        while (j < end && at(text, j) <= 127 && !ascii_word_char(at(text, j))) {
            j++;
        }
        Py_ssize_t k = j;
        while (k < end && ascii_word_char(at(text, k))) {
            k++;
        }
        if ((j < end && at(text, j) > 127) || (k < end && at(text, k) > 127)) {
            return 1;
        }
        if (j > i && k > j && (found = holds(seconds, text, j, k)) != 0) {
            return found;
        }
    }
    return short_line ? PySet_Contains(furniture->stamp_words, word) : 0;
}

/* Whether the unit text[start:end) (stripped, as units are) might be boilerplate: 1, 0, or -1 on error. */
static int candidate(const Furniture *furniture, const Text *text, Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t n = end - start;
    if (n <= 0 || !ascii_letter(at(text, start)) || Py_UNICODE_ISSPACE(at(text, end - 1))) {
        return 1; /* empty, opening with no word (a sign, a digit, a quote) or a word past ASCII, or unstripped */
    }
    /* The opening word: letters, then an apostrophe and letters (passages._FIRST_WORDS). */
    Py_ssize_t i = start;
    while (i < end && ascii_letter(at(text, i))) {
        i++;
    }
    if (i < end && (at(text, i) == '\'' || at(text, i) == 0x2019)) {
        i++;
        while (i < end && ascii_letter(at(text, i))) {
            i++;
        }
    }
    if (i < end && at(text, i) > 127) {
        return 1;
    }
    if (i - start <= 63) { /* a longer one is no listed word */
        PyObject *word;
        if (lower_word(text, start, i, &word) < 0) {
            return -1;
        }
        int found = opening_words(furniture, text, word, i, end, n <= 120);
        Py_DECREF(word);
        if (found != 0) {
            return found;
        }
    }
    if (n <= 120) { /* the short lines' tests */
        Py_UCS4 last = at(text, end - 1);
        if (n <= 40 || last == 0xBB || last == ')' || last == '-' || last == 0x2014 || last == 0x2013 || last == ':'
            || (last == '.' && at(text, end - 2) == ' ')) {
            return 1; /* (a slash anywhere in it is found below: the tail is all of it) */
        }
    }
    /* The tails' test: one of their words, or a slash, in the last 120 characters, lower-cased. */
    static const char *const marks[] = {"contribut", "provided", "assisted", "helped", "rights reserved"};
    Py_ssize_t tail = n > 120 ? end - 120 : start;
    char lowered[121]; /* NUL-terminated for strstr: a NUL in the text is read as past ASCII, like others */
    for (Py_ssize_t j = tail; j < end; j++) {
        Py_UCS4 c = at(text, j);
        if (c == '/' || (c > 127 && (c == 0x130 || Py_UNICODE_TOLOWER(c) <= 127))) {
            return 1;
        }
        lowered[j - tail] = c > 127 || c == 0 ? '\x7f' : (char)ascii_lower(c);
    }
    lowered[end - tail] = '\0';
    for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
        if (strstr(lowered, marks[m]) != NULL) {
            return 1;
        }
    }
    return 0;
}

/* boilerplate_candidates(texts, spans, units, keywords, second_words, stamp_words): per unit of the texts
 * (spans: int32 start and end a unit, units: int32 units a text, as layout() gives them) 1 if it might be
 * boilerplate, 0 if surely not, as bytes. */
static PyObject *boilerplate_candidates(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "boilerplate_candidates() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    Furniture furniture = {args[3], args[4], args[5]};
    if (!PyAnySet_Check(furniture.keywords) || !PyDict_Check(furniture.second_words)
        || !PyAnySet_Check(furniture.stamp_words)) {
        PyErr_SetString(PyExc_TypeError, "boilerplate_candidates(): keywords and stamp words are sets, second "
                                         "words a dict of sets");
        return NULL;
    }
    Py_buffer spans = {0}, units = {0};
    PyObject *texts = NULL, *result = NULL;
    if (PyObject_GetBuffer(args[1], &spans, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0
        || PyObject_GetBuffer(args[2], &units, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0
        || (texts = PySequence_Tuple(args[0])) == NULL) {
        goto done;
    }
    if (spans.itemsize != 4 || units.itemsize != 4 || spans.len % 8 || units.len / 4 != PyTuple_GET_SIZE(texts)) {
        PyErr_SetString(PyExc_ValueError, "boilerplate_candidates(): spans are int32 pairs, units an int32 a text");
        goto done;
    }
    const int32_t *span = spans.buf, *count = units.buf;
    Py_ssize_t total = spans.len / 8, unit = 0;
    if ((result = PyBytes_FromStringAndSize(NULL, total)) == NULL) {
        goto done;
    }
    char *flags = PyBytes_AS_STRING(result);
    for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(texts); t++) {
        PyObject *object = PyTuple_GET_ITEM(texts, t);
        if (!PyUnicode_Check(object)) {
            PyErr_SetString(PyExc_TypeError, "boilerplate_candidates(): texts must be str");
            Py_CLEAR(result);
            goto done;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(object) < 0) {
            Py_CLEAR(result);
            goto done;
        }
#endif
        Text text = {object, PyUnicode_KIND(object), PyUnicode_DATA(object), PyUnicode_GET_LENGTH(object)};
        for (int32_t u = 0; u < count[t]; u++, unit++) {
            int32_t start = unit < total ? span[2 * unit] : -1, end = unit < total ? span[2 * unit + 1] : -1;
            if (start < 0 || end < start || end > text.length) {
                PyErr_SetString(PyExc_ValueError, "boilerplate_candidates(): a unit's span lies outside its text");
                Py_CLEAR(result);
                goto done;
            }
            int found = candidate(&furniture, &text, start, end);
            if (found < 0) {
                Py_CLEAR(result);
                goto done;
            }
            flags[unit] = (char)found;
        }
    }
    if (unit != total) {
        PyErr_SetString(PyExc_ValueError, "boilerplate_candidates(): the units do not add up to the spans");
        Py_CLEAR(result);
    }
done:
    Py_XDECREF(texts);
    if (spans.obj != NULL) {
        PyBuffer_Release(&spans);
    }
    if (units.obj != NULL) {
        PyBuffer_Release(&units);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"layout", (PyCFunction)(void (*)(void))layout, METH_FASTCALL,
     "layout(texts, target, maximum, abbreviations, is_abbreviation): the texts' sentence units and passages "
     "as int32 bytes: per unit its start and end, per unit its words, per text its units, per text its "
     "passages, per passage its first and last unit (indices into all the texts' units)"},
    {"boilerplate_candidates", (PyCFunction)(void (*)(void))boilerplate_candidates, METH_FASTCALL,
     "boilerplate_candidates(texts, spans, units, keywords, second_words, stamp_words): per unit, 1 if it might "
     "be boilerplate (passages.is_boilerplate decides), 0 if it surely is not, as bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_layout", "Sentence units and passages, compiled (see index/_layout.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__layout(void) {
    return PyModule_Create(&module);
}
