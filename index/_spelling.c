/* Typo candidates of a word the index does not know, compiled (index/vocabulary.py: Vocabulary.suggest).
 *
 * Written by hand because spelling help is part of the product's core query path: a question's
 * unknown word is compared with every word of its first letter and about its length. In Python that
 * took a letter-set filter in NumPy (six calls) and a rapidfuzz call over the words it left, 25-50 µs
 * a word, most of it the calls' own cost on cold memory. Here both run in one pass over the words.
 *
 * within(term, codes, ends, letters, low, high, edits): the positions i in [low, high) of the words
 * within `edits` edits of term (Levenshtein: one letter inserted, deleted or replaced is one edit),
 * ascending, as a list. Word i's code points are codes[ends[i - 1]:ends[i]] (from 0 for the first),
 * codes uint32 and ends int64; letters[i] (uint32) is its letter set: bit c % 32 for each code point
 * c. An edit changes at most two bits of a letter set, so a word whose set differs from term's in
 * more than 2 * edits bits is passed over unread; the rest are compared within a band of the edit
 * matrix, given up as soon as no path can stay within `edits`. The GIL is held: a call is a few µs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

enum { LONGEST = 256 };  /* longer terms are compared with nothing: no word is a typo of them */

/* Take obj's buffer as a one-dimensional C-contiguous array of itemsize bytes of unsigned (u) or signed
 * integers. A view that was not taken, or was released, has no obj: PyBuffer_Release leaves it alone. */
static int take(PyObject *obj, Py_ssize_t itemsize, char kind, Py_buffer *view, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        return -1;
    }
    const char *format = view->format ? view->format : "B";
    while (*format == '@' || *format == '=' || *format == '<') {
        format++;
    }
    char letter = format[0] | 0x20;  /* lower case: I and L are unsigned, i and l signed */
    int is_unsigned = format[0] != letter;
    if (view->ndim != 1 || view->itemsize != itemsize || format[1] != '\0' ||
        (letter != 'i' && letter != 'l' && letter != 'q') || is_unsigned != (kind == 'u')) {
        PyErr_Format(PyExc_TypeError, "within: %s must be a one-dimensional %s%zd array", name,
                     kind == 'u' ? "uint" : "int", 8 * itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static inline Py_ssize_t min3(Py_ssize_t a, Py_ssize_t b, Py_ssize_t c) {
    Py_ssize_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Whether word (n code points) is within edits of term (m): the edit matrix row by row, only the
 * cells within edits of its diagonal (any other is already more than edits), stopping once a whole
 * row is past edits. row and next hold m + 1 cells each. */
static int close_enough(const Py_UCS4 *term, Py_ssize_t m, const uint32_t *word, Py_ssize_t n, Py_ssize_t edits,
                        Py_ssize_t *row, Py_ssize_t *next) {
    Py_ssize_t i, j, far = edits + 1;
    if (n - m > edits || m - n > edits) {
        return 0;
    }
    for (j = 0; j <= m; j++) {
        row[j] = j <= edits ? j : far;
    }
    for (i = 1; i <= n; i++) {
        Py_ssize_t from = i - edits > 1 ? i - edits : 1, to = i + edits < m ? i + edits : m, best = far;
        next[0] = i <= edits ? i : far;
        if (from > 1) {
            next[from - 1] = far;
        }
        for (j = from; j <= to; j++) {
            Py_ssize_t cost = min3(row[j] + 1, next[j - 1] + 1, row[j - 1] + (word[i - 1] != term[j - 1]));
            next[j] = cost < far ? cost : far;
            best = next[j] < best ? next[j] : best;
        }
        if (to < m) {
            next[to + 1] = far;
        }
        if (best > edits && next[0] > edits) {
            return 0;
        }
        Py_ssize_t *swap = row;
        row = next, next = swap;
    }
    return row[m] <= edits;
}

static PyObject *within(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Py_buffer codes = {0}, ends = {0}, letters = {0};
    PyObject *found = NULL;
    Py_ssize_t low, high, edits, m;
    Py_UCS4 term[LONGEST];
    Py_ssize_t row[LONGEST + 1], next[LONGEST + 1];
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "within: 7 arguments, %zd given", nargs);
        return NULL;
    }
    if (!PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "within: term must be a str");
        return NULL;
    }
    if (((low = PyLong_AsSsize_t(args[4])) == -1 || (high = PyLong_AsSsize_t(args[5])) == -1 ||
         (edits = PyLong_AsSsize_t(args[6])) == -1) && PyErr_Occurred()) {
        return NULL;
    }
    if (take(args[1], 4, 'u', &codes, "codes") < 0 || take(args[2], 8, 'i', &ends, "ends") < 0 ||
        take(args[3], 4, 'u', &letters, "letters") < 0) {
        goto done;
    }
    Py_ssize_t words = ends.len / 8, total = codes.len / 4;
    if (low < 0 || high > words || high > letters.len / 4 || edits < 0) {
        PyErr_SetString(PyExc_IndexError, "within: low, high or edits outside the words");
        goto done;
    }
    if ((found = PyList_New(0)) == NULL) {
        goto done;
    }
    m = PyUnicode_GET_LENGTH(args[0]);
    if (m > LONGEST) {
        goto done;
    }
    int kind = PyUnicode_KIND(args[0]);
    const void *data = PyUnicode_DATA(args[0]);
    uint32_t set = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        term[j] = PyUnicode_READ(kind, data, j);
        set |= (uint32_t)1 << (term[j] & 31);
    }
    const int64_t *end = ends.buf;
    const uint32_t *sets = letters.buf, *points = codes.buf;
    for (Py_ssize_t i = low; i < high; i++) {
        if (__builtin_popcount(sets[i] ^ set) > 2 * edits) {
            continue;
        }
        int64_t start = i ? end[i - 1] : 0;
        if (start < 0 || start > end[i] || end[i] > total) {
            PyErr_SetString(PyExc_IndexError, "within: ends out of order or past codes");
            Py_CLEAR(found);
            goto done;
        }
        if (close_enough(term, m, points + start, end[i] - start, edits, row, next)) {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position == NULL || PyList_Append(found, position) < 0) {
                Py_XDECREF(position);
                Py_CLEAR(found);
                goto done;
            }
            Py_DECREF(position);
        }
    }
done:
    PyBuffer_Release(&codes), PyBuffer_Release(&ends), PyBuffer_Release(&letters);
    return found;
}

static PyMethodDef methods[] = {
    {"within", (PyCFunction)(void (*)(void))within, METH_FASTCALL,
     "within(term, codes, ends, letters, low, high, edits): the positions in [low, high) of the words "
     "(code points codes[ends[i-1]:ends[i]], letter sets letters) within edits edits of term, ascending"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_spelling", "Typo candidates of an unknown word, compiled (see index/_spelling.c).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__spelling(void) {
    return PyModule_Create(&module);
}
