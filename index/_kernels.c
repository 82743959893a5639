/* Scoring's inner loops, compiled: adding a term's impacts into the accumulator, looking them up for
 * candidate passages, a k-th largest partial score, zeroing what was touched, and taking the best
 * passages out of the accumulator, or adding every term and taking the best in one pass, also from
 * postings packed term after term (index/bm25.py
 * calls them; see its _add, _look_up and _exhaustive). And two loops of indexing's: grouping postings by
 * term (group, for index/indexer.py) and each passage's or sentence's distinct terms (distinct, for
 * index/worker.py).
 *
 * Written by hand because they are the product's core and NumPy cannot fuse them: np.add.at needs the
 * impacts made into an array first, and a candidate's look-up is a binary search over the whole list.
 * Here an impact is made, weighted and added in one pass, and a candidate is found by galloping from
 * the last one found. numba compiled the same loops as fast but cost about 0.8 s at a process's first
 * question (importing it and loading its cached machine code), more than a cold start can spare.
 *
 * Each loop does posting by posting what bm25.impacts and np.add.at do array by array: the same
 * float32 operations in the same order, and never a fused multiply-add (the build passes
 * -ffp-contract=off), so every score is bit for bit NumPy's (tests/test_pruning.py).
 *
 * Arrays come in through the buffer protocol (NumPy arrays, C-contiguous): float32 for scores, norms
 * and impacts, uint16 for term frequencies and passage lengths (bm25.compact_norm), int32 or int64 for
 * passage slots. A slot outside the arrays raises IndexError rather than writing past them. The GIL is released while a loop runs, so
 * a search in a worker thread leaves the event loop free.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>

typedef struct {
    Py_buffer view;
    int held;
} Array;

static void release(Array *array) {
    if (array->held) {
        PyBuffer_Release(&array->view);
        array->held = 0;
    }
}

/* The buffer's element kind: 'f' float32, 'H' uint16, 'i' a signed integer of its itemsize. */
static char kind_of(const Py_buffer *view) {
    const char *format = view->format ? view->format : "B";
    while (*format == '@' || *format == '=' || *format == '<') {
        format++;
    }
    if (format[1] != '\0') {
        return 0;
    }
    switch (format[0]) {
    case 'f':
        return view->itemsize == 4 ? 'f' : 0;
    case 'H':
        return view->itemsize == 2 ? 'H' : 0;
    case 'i': case 'l': case 'q': case 'n':
        return (view->itemsize == 4 || view->itemsize == 8) ? 'i' : 0;
    default:
        return 0;
    }
}

/* Take obj's buffer as a one-dimensional C-contiguous array of the wanted kind. */
static int take(PyObject *obj, char wanted, int writable, Array *array, const char *name) {
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &array->view, flags) < 0) {
        return -1;
    }
    array->held = 1;
    if (array->view.ndim != 1 || kind_of(&array->view) != wanted) {
        PyErr_Format(PyExc_TypeError, "%s: expected a one-dimensional %s array", name,
                     wanted == 'f' ? "float32" : wanted == 'H' ? "uint16" : "int32 or int64");
        release(array);
        return -1;
    }
    return 0;
}

static inline Py_ssize_t length(const Array *array) {
    return array->view.len / array->view.itemsize;
}

static inline int64_t slot_at(const Array *slots, Py_ssize_t i) {
    return slots->view.itemsize == 4 ? (int64_t)((const int32_t *)slots->view.buf)[i]
                                     : ((const int64_t *)slots->view.buf)[i];
}

static int out_of_range(void) {
    PyErr_SetString(PyExc_IndexError, "a passage slot lies outside the score array");
    return -1;
}

static int wrong_count(const char *name, Py_ssize_t nargs) {
    PyErr_Format(PyExc_TypeError, "%s: wrong number of arguments (%zd given)", name, nargs);
    return -1;
}

static int check_count(Py_ssize_t nargs, Py_ssize_t wanted, const char *name) {
    return nargs == wanted ? 0 : wrong_count(name, nargs);
}

/* A factor or weight: the float32 value NumPy's np.float32(x) gives. */
static int as_float32(PyObject *obj, float *out) {
    double value = PyFloat_AsDouble(obj);
    if (value == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *out = (float)value;
    return 0;
}

/* The impact of tf in a passage of this norm, weighted: idf·(k1+1)·tf / (tf + norm) · weight, as
 * bm25.impacts rounds it (tf·factor first, then the division), then the weight. */
static inline float impact(uint16_t count, float norm, float factor, float weight) {
    float tf = (float)count;
    return (tf * factor) / (tf + norm) * weight;
}

/* A term's postings as the loops take them: its slots (ascending) and either its impacts made
 * (values) or what makes them (tfs, idf·(k1+1), and the passages' norms: a float32 a passage, or a
 * uint16 length a passage and the norm of every uint16 length, which is half the memory a passage
 * where the loops' time goes in cache misses); and its weight. */
typedef struct {
    Array slots, tfs, norm, lengths, values;
    float factor, weight;
    int made;
} Term;

enum { LENGTHS = 65536 };  /* a norm table holds the norm of every uint16 length */
enum { BLOCK = 64 };  /* scores best() looks over at once */
/* Slots score_best() adds up at once: their scores and lengths (96 KB) stay in a core's L2 cache. From
 * 4,096 to 65,536 slots a stripe were alike at a million passages; all of acc at once was a third slower. */
enum { STRIPE = 16384 };

static void release_term(Term *term) {
    release(&term->slots), release(&term->tfs), release(&term->norm), release(&term->lengths), release(&term->values);
}

/* Take a term from args[0:count]: (slots, values, weight), (slots, tfs, norm, factor, weight) or
 * (slots, tfs, lengths, norm table, factor, weight). */
static int take_term(PyObject *const *args, Py_ssize_t count, Term *term) {
    term->made = count == 3;
    term->factor = 1.0f;
    int table = count == 6;
    if (as_float32(args[count - 1], &term->weight) < 0 || (!term->made && as_float32(args[count - 2], &term->factor) < 0) ||
        take(args[0], 'i', 0, &term->slots, "slots") < 0 ||
        (term->made ? take(args[1], 'f', 0, &term->values, "values") : take(args[1], 'H', 0, &term->tfs, "tfs")) < 0 ||
        (table && take(args[2], 'H', 0, &term->lengths, "lengths") < 0) ||
        (!term->made && take(args[2 + table], 'f', 0, &term->norm, "norm") < 0)) {
        return -1;
    }
    if (length(term->made ? &term->values : &term->tfs) != length(&term->slots)) {
        PyErr_SetString(PyExc_ValueError, "slots and their values differ in length");
        return -1;
    }
    if (table && length(&term->norm) != LENGTHS) {
        PyErr_SetString(PyExc_ValueError, "a norm table holds the norm of every uint16 length");
        return -1;
    }
    return 0;
}

/* How many passage slots the term's arrays cover: a slot past them is out of range. */
static Py_ssize_t covered(const Term *term) {
    return term->made ? PY_SSIZE_T_MAX : term->lengths.held ? length(&term->lengths) : length(&term->norm);
}

/* The term's weighted impact at position i of its list, in passage slot (below covered()). */
static inline float impact_at(const Term *term, Py_ssize_t i, int64_t slot) {
    if (term->made) {
        return ((const float *)term->values.view.buf)[i] * term->weight;
    }
    const float *norms = term->norm.view.buf;
    float norm = term->lengths.held ? norms[((const uint16_t *)term->lengths.view.buf)[slot]] : norms[slot];
    return impact(((const uint16_t *)term->tfs.view.buf)[i], norm, term->factor, term->weight);
}

/* The layouts add_stripe has a loop of its own for: int32 slots with a small index's impacts made, or
 * with uint16 lengths and a norm table (what a stored index gives), or anything (impact_at). */
enum { ANY_LAYOUT, MADE_INT32, LENGTHS_INT32 };

/* add_stripe's loop for one layout: inlined where layout is a constant, so that each compiles to a
 * loop without the others' tests (int32 slots with lengths: a fifth less time a posting than the loop
 * for anything). */
static inline __attribute__((always_inline)) int stripe_as(const Term *term, float *scores, Py_ssize_t *at,
                                                           int64_t start, int64_t end, int64_t limit, int layout) {
    Py_ssize_t i = *at, n = length(&term->slots);
    const int32_t *slots = term->slots.view.buf;
    const uint16_t *tfs = term->tfs.view.buf, *lengths = term->lengths.view.buf;
    const float *norms = term->norm.view.buf, *values = term->values.view.buf;
    float factor = term->factor, weight = term->weight;
    for (; i < n; i++) {
        int64_t slot = layout == ANY_LAYOUT ? slot_at(&term->slots, i) : slots[i];
        if (slot >= end) {
            break;
        }
        if (slot < start || slot >= limit) {
            return -1;
        }
        scores[slot] += layout == LENGTHS_INT32 ? impact(tfs[i], norms[lengths[slot]], factor, weight)
                        : layout == MADE_INT32  ? values[i] * weight
                                                : impact_at(term, i, slot);
    }
    *at = i;
    return 0;
}

/* Add a term's postings that lie below end into acc, from its list's position *at on: the next
 * stripe's go on from where this one stopped. 0, or -1 at a slot below start (the list does not
 * ascend, or the slot is negative) or at or past limit. */
static int add_stripe(const Term *term, float *scores, Py_ssize_t *at, int64_t start, int64_t end, int64_t limit) {
    if (term->slots.view.itemsize == 4 && term->made) {
        return stripe_as(term, scores, at, start, end, limit, MADE_INT32);
    }
    if (term->slots.view.itemsize == 4 && term->lengths.held) {
        return stripe_as(term, scores, at, start, end, limit, LENGTHS_INT32);
    }
    return stripe_as(term, scores, at, start, end, limit, ANY_LAYOUT);
}

/* add(acc, slots, tfs, norm, factor, weight), add(acc, slots, tfs, lengths, norm table, factor,
 * weight) or add(acc, slots, values, weight): acc[slot] += the term's weighted impact, a posting at a
 * time. */
static PyObject *add(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0};
    Term term = {0};
    int failed = 0;
    if ((nargs < 4 || nargs > 7 || nargs == 5) && wrong_count("add", nargs) < 0) {
        return NULL;
    }
    if (take(args[0], 'f', 1, &acc, "acc") < 0 || take_term(args + 1, nargs - 1, &term) < 0) {
        failed = 1;
    } else {
        Py_ssize_t size = length(&acc), at = 0;
        int bad;
        Py_BEGIN_ALLOW_THREADS
        bad = add_stripe(&term, acc.view.buf, &at, 0, size, covered(&term) < size ? covered(&term) : size) < 0;
        Py_END_ALLOW_THREADS
        if (bad || at < length(&term.slots)) {
            failed = out_of_range();
        }
    }
    release(&acc), release_term(&term);
    if (failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Where wanted stands in slots[start:] (ascending): galloping from start, then a binary search. */
static inline Py_ssize_t position(const Array *slots, Py_ssize_t n, Py_ssize_t start, int64_t wanted) {
    Py_ssize_t low = start, high = start, step = 1;
    while (high < n && slot_at(slots, high) < wanted) {
        low = high + 1;
        high = start + step;
        step *= 2;
    }
    if (high > n) {
        high = n;
    }
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (slot_at(slots, middle) < wanted) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low;
}

/* look_up(partial, candidates, <a term, as add takes it>): partial[i] += the term's weighted impact
 * in candidates[i] (ascending), where it occurs. */
static PyObject *look_up(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array partial = {0}, candidates = {0};
    Term term = {0};
    int failed = 0;
    if ((nargs < 5 || nargs > 8 || nargs == 6) && wrong_count("look_up", nargs) < 0) {
        return NULL;
    }
    if (take(args[0], 'f', 1, &partial, "partial") < 0 || take(args[1], 'i', 0, &candidates, "candidates") < 0 ||
        take_term(args + 2, nargs - 2, &term) < 0) {
        failed = 1;
    } else if (length(&partial) != length(&candidates)) {
        PyErr_SetString(PyExc_ValueError, "look_up: partial and candidates differ in length");
        failed = 1;
    } else {
        float *scores = partial.view.buf;
        Py_ssize_t wanted = length(&candidates), n = length(&term.slots), at = 0, i;
        Py_ssize_t size = covered(&term);
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        for (i = 0; i < wanted && at < n; i++) {
            int64_t slot = slot_at(&candidates, i);
            at = position(&term.slots, n, at, slot);
            if (at < n && slot_at(&term.slots, at) == slot) {
                if ((uint64_t)slot >= (uint64_t)size) {
                    bad = 1;
                    break;
                }
                scores[i] += impact_at(&term, at, slot);
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            failed = out_of_range();
        }
    }
    release(&partial), release(&candidates), release_term(&term);
    if (failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A scored passage, ranked best first by score, then by slot. */
typedef struct {
    float score;
    int64_t slot;
} Scored;

static inline int worse(Scored a, Scored b) {
    return a.score < b.score || (a.score == b.score && a.slot > b.slot);
}

static int best_first(const void *a, const void *b) {
    return worse(*(const Scored *)b, *(const Scored *)a) ? -1 : worse(*(const Scored *)a, *(const Scored *)b) ? 1 : 0;
}

/* Keep (score, slot) among the k best seen: heap is a min-heap, the worst of them at its root. */
static inline void keep_best(Scored *heap, Py_ssize_t k, Py_ssize_t *count, Scored entry) {
    Py_ssize_t at;
    if (*count < k) {
        at = (*count)++;
        while (at > 0 && worse(entry, heap[(at - 1) / 2])) {
            heap[at] = heap[(at - 1) / 2];
            at = (at - 1) / 2;
        }
        heap[at] = entry;
    } else if (worse(heap[0], entry)) {
        at = 0;
        for (;;) {
            Py_ssize_t child = 2 * at + 1;
            if (child >= k) {
                break;
            }
            if (child + 1 < k && worse(heap[child + 1], heap[child])) {
                child++;
            }
            if (!worse(heap[child], entry)) {
                break;
            }
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = entry;
    }
}

/* kth_largest(acc, slots, k): the k-th largest of acc at slots, 0.0 if there are fewer than k. Pruning
 * raises its bar with it after every list it adds: a k-heap (keep_best), without gathering and
 * partitioning. */
static PyObject *kth_largest(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0}, slots = {0};
    double result = 0.0;
    int failed = 0;
    Py_ssize_t k = 0;
    if (check_count(nargs, 3, "kth_largest") < 0 || ((k = PyLong_AsSsize_t(args[2])) == -1 && PyErr_Occurred()) ||
        take(args[0], 'f', 0, &acc, "acc") < 0 || take(args[1], 'i', 0, &slots, "slots") < 0) {
        failed = 1;
    } else if (k > 0 && length(&slots) >= k) {
        const float *scores = acc.view.buf;
        Py_ssize_t n = length(&slots), size = length(&acc), count = 0, i;
        Scored *heap = PyMem_Malloc(sizeof(Scored) * (size_t)k);
        if (heap == NULL) {
            PyErr_NoMemory();
            failed = 1;
        } else {
            Py_BEGIN_ALLOW_THREADS
            for (i = 0; i < n; i++) {
                int64_t slot = slot_at(&slots, i);
                if ((uint64_t)slot >= (uint64_t)size) {
                    break;
                }
                Scored entry = {scores[slot], slot};
                keep_best(heap, k, &count, entry);
            }
            Py_END_ALLOW_THREADS
            result = heap[0].score;  /* the worst of the k best: the k-th largest score */
            PyMem_Free(heap);
            if (i < n) {
                failed = out_of_range();
            }
        }
    } else if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "kth_largest: k must not be negative");
        failed = 1;
    }
    release(&acc), release(&slots);
    if (failed) {
        return NULL;
    }
    return PyFloat_FromDouble(result);
}

/* zero(acc, slots): acc[slot] = 0 at each slot, cheaper than filling acc when the lists are short. */
static PyObject *zero(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0}, slots = {0};
    int failed = 0;
    if (check_count(nargs, 2, "zero") < 0 || take(args[0], 'f', 1, &acc, "acc") < 0 ||
        take(args[1], 'i', 0, &slots, "slots") < 0) {
        failed = 1;
    } else {
        float *scores = acc.view.buf;
        Py_ssize_t n = length(&slots), size = length(&acc), i;
        Py_BEGIN_ALLOW_THREADS
        for (i = 0; i < n; i++) {
            int64_t slot = slot_at(&slots, i);
            if ((uint64_t)slot >= (uint64_t)size) {
                break;
            }
            scores[slot] = 0.0f;
        }
        Py_END_ALLOW_THREADS
        if (i < n) {
            failed = out_of_range();
        }
    }
    release(&acc), release(&slots);
    if (failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Keep a score taken out of the accumulator (harvest: and zero it) if it is positive and may be among
 * the best. One comparison, with the worst score kept once there are k, else the least positive float:
 * a branch on the score's sign, as good as random, mispredicted cost more than the whole pass. */
static inline void keep(float value, int64_t slot, Scored *heap, Py_ssize_t k, Py_ssize_t *count) {
    float bar = *count < k ? FLT_TRUE_MIN : heap[0].score;
    if (value >= bar) {
        Scored entry = {value, slot};
        keep_best(heap, k, count, entry);
    }
}

static inline void harvest(float *scores, int64_t slot, Scored *heap, Py_ssize_t k, Py_ssize_t *count) {
    float value = scores[slot];
    scores[slot] = 0.0f;
    keep(value, slot, heap, k, count);
}

/* Copy a block of scores out of the accumulator, zeroing it, and say whether any reaches bar: one loop
 * of a fixed length, which the compiler vectorises (most blocks hold no score to keep once k are kept).
 * Zeroed in the same loop, not by memset: for a block this size memset compiled to `rep stosq`, whose
 * start-up cost made a call taking the best out of SciFact's 12,975 slots 4.5 µs (2.9 µs now). */
static inline int take_block(float *scores, float *block, float bar) {
    int any = 0;
    for (int i = 0; i < BLOCK; i++) {
        block[i] = scores[i];
        scores[i] = 0.0f;
        any |= block[i] >= bar;
    }
    return any;
}

/* Take acc[start:end] out of the accumulator (harvest), BLOCK scores at a time: a block that holds
 * none to keep (most, once k are kept) is only zeroed. */
static void harvest_range(float *scores, Py_ssize_t start, Py_ssize_t end, Scored *heap, Py_ssize_t k,
                          Py_ssize_t *count) {
    float block[BLOCK];
    Py_ssize_t i;
    for (; start + BLOCK <= end; start += BLOCK) {
        if (take_block(scores + start, block, *count < k ? FLT_TRUE_MIN : heap[0].score)) {
            for (i = 0; i < BLOCK; i++) {
                keep(block[i], start + i, heap, k, count);
            }
        }
    }
    for (i = start; i < end; i++) {
        harvest(scores, i, heap, k, count);
    }
}

/* Take the output arrays: slots_out int64 and scores_out float32, as long as each other (k). */
static int take_outputs(PyObject *slots, PyObject *scores, Array *slots_out, Array *scores_out, const char *name) {
    if (take(slots, 'i', 1, slots_out, "slots_out") < 0 || take(scores, 'f', 1, scores_out, "scores_out") < 0) {
        return -1;
    }
    if (slots_out->view.itemsize != 8 || length(slots_out) != length(scores_out)) {
        PyErr_Format(PyExc_TypeError, "%s: slots_out must be int64 and as long as scores_out", name);
        return -1;
    }
    return 0;
}

/* What best(), score_best() and score_packed() take alike: acc (args[0]), the sequence of lists or terms
 * (args[1]) and the output arrays (args[2], args[3]), of wanted arguments in all; and a heap for as
 * many passages as the outputs hold. Returns
 * the sequence's length, or -1 with an exception set (the caller releases what was taken). */
static Py_ssize_t take_selection(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t wanted, const char *name,
                                 const char *not_a_sequence, Array *acc, Array *slots_out, Array *scores_out,
                                 PyObject **sequence, Scored **heap) {
    if (check_count(nargs, wanted, name) < 0 || take(args[0], 'f', 1, acc, "acc") < 0 ||
        take_outputs(args[2], args[3], slots_out, scores_out, name) < 0 ||
        (*sequence = PySequence_Fast(args[1], not_a_sequence)) == NULL) {
        return -1;
    }
    if ((*heap = PyMem_Malloc(sizeof(Scored) * (size_t)(length(slots_out) + 1))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return PySequence_Fast_GET_SIZE(*sequence);
}

/* The kept passages, best first, into the output arrays (they hold at least count). */
static void write_best(Scored *heap, Py_ssize_t count, Array *slots_out, Array *scores_out) {
    qsort(heap, (size_t)count, sizeof(Scored), best_first);
    for (Py_ssize_t i = 0; i < count; i++) {
        ((int64_t *)slots_out->view.buf)[i] = heap[i].slot;
        ((float *)scores_out->view.buf)[i] = heap[i].score;
    }
}

/* best(acc, lists, slots_out, scores_out): the best passages of acc (those with a positive score),
 * best first, ties by slot, written into slots_out (int64) and scores_out (float32), as many as they
 * hold; returns how many were written. Every slot of lists (the query's postings lists, which hold
 * every slot acc was added to) is left zero in acc: the exhaustive path's selection and its zeroing
 * of the reused accumulator in one pass over the lists' slots, for queries with few postings (with
 * many, score_best() adds and selects stripe by stripe). */
static PyObject *best(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0}, slots_out = {0}, scores_out = {0};
    Array *lists = NULL;
    Py_ssize_t count = 0, n_lists = 0, k = 0, taken = 0, i;
    PyObject *sequence = NULL;
    Scored *heap = NULL;
    int failed = 0;
    n_lists = take_selection(args, nargs, 4, "best", "best: lists must be a sequence of slot arrays", &acc, &slots_out,
                             &scores_out, &sequence, &heap);
    if (n_lists >= 0 && (lists = PyMem_Calloc((size_t)n_lists + 1, sizeof(Array))) == NULL) {
        PyErr_NoMemory();
    }
    if (lists == NULL) {
        failed = 1;
        goto done;
    }
    k = length(&slots_out);
    for (taken = 0; taken < n_lists; taken++) {
        if (take(PySequence_Fast_GET_ITEM(sequence, taken), 'i', 0, &lists[taken], "lists") < 0) {
            failed = 1;
            goto done;
        }
    }
    if (k > 0) {
        float *scores = acc.view.buf;
        Py_ssize_t size = length(&acc);
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        Py_ssize_t list, j;
        for (list = 0; list < n_lists && !bad; list++) {
            Py_ssize_t n = length(&lists[list]);
            for (j = 0; j < n; j++) {
                int64_t slot = slot_at(&lists[list], j);
                if ((uint64_t)slot >= (uint64_t)size) {
                    bad = 1;
                    break;
                }
                harvest(scores, slot, heap, k, &count);
            }
        }
        write_best(heap, count, &slots_out, &scores_out);
        Py_END_ALLOW_THREADS
        if (bad) {
            failed = out_of_range();
        }
    }
done:
    for (i = 0; i < taken; i++) {
        release(&lists[i]);
    }
    PyMem_Free(lists), PyMem_Free(heap), Py_XDECREF(sequence);
    release(&acc), release(&slots_out), release(&scores_out);
    if (failed) {
        return NULL;
    }
    return PyLong_FromSsize_t(count);
}

/* score_best's and score_packed's work once their terms are taken: every term added into acc a STRIPE
 * of slots at a time, each stripe harvested while it is in the CPU's cache, and the best written out
 * (at: a position a term, zeros). Returns how many, or -1 if a term's slots do not ascend or lie past
 * acc (acc is then zeroed whole). Runs without the GIL. */
static Py_ssize_t add_and_select(const Term *terms, Py_ssize_t n_terms, Array *acc, Py_ssize_t *at, Scored *heap,
                                 Py_ssize_t k, Array *slots_out, Array *scores_out) {
    float *scores = acc->view.buf;
    Py_ssize_t size = length(acc), start, t, count = 0;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (start = 0; start < size && !bad; start += STRIPE) {
        Py_ssize_t end = start + STRIPE < size ? start + STRIPE : size;
        for (t = 0; t < n_terms && !bad; t++) {
            Py_ssize_t limit = covered(&terms[t]) < size ? covered(&terms[t]) : size;
            bad = add_stripe(&terms[t], scores, &at[t], start, end, limit) < 0;
        }
        harvest_range(scores, start, end, heap, k, &count);
    }
    for (t = 0; t < n_terms; t++) {
        bad |= at[t] < length(&terms[t].slots);  /* a slot past acc */
    }
    if (bad) {
        memset(scores, 0, sizeof(float) * (size_t)size);
        count = 0;
    }
    write_best(heap, count, slots_out, scores_out);
    Py_END_ALLOW_THREADS
    return bad ? -1 : count;
}

/* score_best(acc, terms, slots_out, scores_out): the exhaustive path in one call, for queries with many
 * postings: every term's weighted impacts added up (terms: a sequence of terms as add takes them, in
 * the order add would add them) and the best positive scores taken out, best first, ties by slot, into
 * slots_out and scores_out as best() writes them; returns how many. acc (zeros) is left zero.
 *
 * The accumulator is worked through a STRIPE of slots at a time: every term's postings in the stripe
 * are added, then the stripe is harvested while it is still in the CPU's cache. Adding each whole list
 * in turn scatters adds over all of acc (4 MB at a million passages), and a cache miss a posting was
 * where the exhaustive path's time went. A slot's impacts are still added in the order of terms, so
 * the scores are add()'s bit for bit. */
static PyObject *score_best(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0}, slots_out = {0}, scores_out = {0};
    Term *terms = NULL;
    Py_ssize_t *at = NULL;
    Py_ssize_t count = 0, n_terms = 0, k = 0, taken = 0, i;
    PyObject *sequence = NULL;
    Scored *heap = NULL;
    int failed = 0;
    n_terms = take_selection(args, nargs, 4, "score_best", "score_best: terms must be a sequence of terms", &acc,
                             &slots_out, &scores_out, &sequence, &heap);
    if (n_terms >= 0 && ((terms = PyMem_Calloc((size_t)n_terms + 1, sizeof(Term))) == NULL ||
                         (at = PyMem_Calloc((size_t)n_terms + 1, sizeof(Py_ssize_t))) == NULL)) {
        PyErr_NoMemory();
    }
    if (terms == NULL || at == NULL) {
        failed = 1;
        goto done;
    }
    k = length(&slots_out);
    for (taken = 0; taken < n_terms; taken++) {
        PyObject *item = PySequence_Fast_GET_ITEM(sequence, taken);
        Py_ssize_t size = PyTuple_Check(item) ? PyTuple_GET_SIZE(item) : 0;
        if (size != 3 && size != 5 && size != 6) {
            PyErr_SetString(PyExc_TypeError, "score_best: a term is a tuple as add() takes it, without acc");
            failed = 1;
            goto done;
        }
        if (take_term(&PyTuple_GET_ITEM(item, 0), size, &terms[taken]) < 0) {
            taken++;  /* what it took is released below */
            failed = 1;
            goto done;
        }
    }
    if (k > 0 && (count = add_and_select(terms, n_terms, &acc, at, heap, k, &slots_out, &scores_out)) < 0) {
        PyErr_SetString(PyExc_IndexError, "score_best: a term's slots must ascend and lie inside the score array");
        failed = 1;
    }
done:
    for (i = 0; i < taken; i++) {
        release_term(&terms[i]);
    }
    PyMem_Free(terms), PyMem_Free(at), PyMem_Free(heap), Py_XDECREF(sequence);
    release(&acc), release(&slots_out), release(&scores_out);
    if (failed) {
        return NULL;
    }
    return PyLong_FromSsize_t(count);
}

/* score_packed(acc, terms, slots_out, scores_out, slots, impacts, starts, id_at, weight_at): score_best for
 * postings held packed: every term's slots (int32) and made impacts (float32) one term after another in
 * slots and impacts, term t's at starts[t]:starts[t + 1] (starts int64). terms is a sequence of tuples,
 * each holding a term id at id_at and its weight at weight_at (a question's QueryTerms as planned, or
 * (term id, weight) pairs), added in that order; the rest is score_best's. A small index held whole is
 * scored so: taking a question's terms by id costs no array or tuple a term (taking a term's three
 * buffers was a sixth of a first-pass search at SciFact's size, with their objects' cache misses). */
static PyObject *score_packed(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array acc = {0}, slots_out = {0}, scores_out = {0}, slots = {0}, impacts = {0}, starts = {0};
    Term *terms = NULL;
    Py_ssize_t *at = NULL;
    Py_ssize_t count = 0, n_terms = 0, k = 0, i, t;
    PyObject *sequence = NULL;
    Scored *heap = NULL;
    int failed = 1;
    Py_ssize_t id_at = -1, weight_at = -1;
    n_terms = take_selection(args, nargs, 9, "score_packed", "score_packed: terms must be a sequence of tuples",
                             &acc, &slots_out, &scores_out, &sequence, &heap);
    if (n_terms < 0 || take(args[4], 'i', 0, &slots, "slots") < 0 || take(args[5], 'f', 0, &impacts, "impacts") < 0 ||
        take(args[6], 'i', 0, &starts, "starts") < 0 ||
        (((id_at = PyLong_AsSsize_t(args[7])) == -1 || (weight_at = PyLong_AsSsize_t(args[8])) == -1) &&
         PyErr_Occurred())) {
        goto done;
    }
    if (id_at < 0 || weight_at < 0) {
        PyErr_SetString(PyExc_ValueError, "score_packed: id_at and weight_at are positions in a term's tuple");
        goto done;
    }
    if (slots.view.itemsize != 4 || starts.view.itemsize != 8 || length(&slots) != length(&impacts)) {
        PyErr_SetString(PyExc_TypeError, "score_packed: slots int32 and impacts float32 of one length, starts int64");
        goto done;
    }
    if ((terms = PyMem_Calloc((size_t)n_terms + 1, sizeof(Term))) == NULL ||
        (at = PyMem_Calloc((size_t)n_terms + 1, sizeof(Py_ssize_t))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    k = length(&slots_out);
    const int64_t *bounds = starts.view.buf;
    Py_ssize_t n_ids = length(&starts) - 1, total = length(&slots);
    for (i = t = 0; i < n_terms; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(sequence, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) <= id_at || PyTuple_GET_SIZE(item) <= weight_at) {
            PyErr_SetString(PyExc_TypeError, "score_packed: a term is a tuple with its id at id_at, its weight at weight_at");
            goto done;
        }
        Py_ssize_t id = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, id_at));
        if ((id == -1 && PyErr_Occurred()) || as_float32(PyTuple_GET_ITEM(item, weight_at), &terms[t].weight) < 0) {
            goto done;
        }
        if (id < 0 || id >= n_ids || bounds[id] < 0 || bounds[id] > bounds[id + 1] || bounds[id + 1] > total) {
            PyErr_SetString(PyExc_IndexError, "score_packed: a term id outside starts, or starts out of order");
            goto done;
        }
        if (bounds[id] == bounds[id + 1]) {
            continue;  /* a term in no passage */
        }
        /* Views into the packed arrays, held by them (held 0: nothing to release). */
        Term *term = &terms[t++];
        term->made = 1;
        term->slots.view.buf = (int32_t *)slots.view.buf + bounds[id];
        term->values.view.buf = (float *)impacts.view.buf + bounds[id];
        term->slots.view.itemsize = term->values.view.itemsize = 4;
        term->slots.view.len = term->values.view.len = 4 * (bounds[id + 1] - bounds[id]);
    }
    if (k > 0 && (count = add_and_select(terms, t, &acc, at, heap, k, &slots_out, &scores_out)) < 0) {
        PyErr_SetString(PyExc_IndexError, "score_packed: a term's slots must ascend and lie inside the score array");
        goto done;
    }
    failed = 0;
done:
    PyMem_Free(terms), PyMem_Free(at), PyMem_Free(heap), Py_XDECREF(sequence);
    release(&acc), release(&slots_out), release(&scores_out), release(&slots), release(&impacts), release(&starts);
    if (failed) {
        return NULL;
    }
    return PyLong_FromSsize_t(count);
}

/* group(terms, slots, tfs, next, slots_out, tfs_out): postings (terms[i], slots[i], tfs[i]), in the order
 * they were added, written grouped by term into slots_out and tfs_out, each term's still in the order
 * added: the scatter of a counting sort. Posting i goes to position next[terms[i]], which then moves on;
 * next (int64) starts as each term's first position, the running sum of the terms' counts. Term ids are
 * small and dense, so this one pass replaces sorting the postings by term (indexer.py, _Grouped.sort;
 * 0.17 against 0.75 s for 14M postings). A term outside next, or a position outside the outputs, raises
 * IndexError. */
static PyObject *group(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array terms = {0}, slots = {0}, tfs = {0}, next = {0}, slots_out = {0}, tfs_out = {0};
    int failed = 0, bad = 0;
    if (check_count(nargs, 6, "group") < 0 || take(args[0], 'i', 0, &terms, "terms") < 0 ||
        take(args[1], 'i', 0, &slots, "slots") < 0 || take(args[2], 'H', 0, &tfs, "tfs") < 0 ||
        take(args[3], 'i', 1, &next, "next") < 0 || take(args[4], 'i', 1, &slots_out, "slots_out") < 0 ||
        take(args[5], 'H', 1, &tfs_out, "tfs_out") < 0) {
        failed = 1;
        goto done;
    }
    Py_ssize_t n = length(&terms);
    if (terms.view.itemsize != 4 || slots.view.itemsize != 4 || slots_out.view.itemsize != 4 ||
        next.view.itemsize != 8 || length(&slots) != n || length(&tfs) != n || length(&slots_out) != n ||
        length(&tfs_out) != n) {
        PyErr_SetString(PyExc_TypeError, "group: terms, slots and slots_out must be int32 and next int64, and the "
                                         "postings' arrays as long as each other");
        failed = 1;
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    const int32_t *term = terms.view.buf, *slot = slots.view.buf;
    const uint16_t *tf = tfs.view.buf;
    int64_t *at = next.view.buf;
    int64_t known = length(&next);
    int32_t *slot_to = slots_out.view.buf;
    uint16_t *tf_to = tfs_out.view.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t t = term[i];
        if (t < 0 || t >= known || (uint64_t)at[t] >= (uint64_t)n) {
            bad = 1;
            break;
        }
        int64_t position = at[t]++;
        slot_to[position] = slot[i];
        tf_to[position] = tf[i];
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_IndexError, "group: a term outside next, or its position outside the outputs");
        failed = 1;
    }
done:
    release(&terms), release(&slots), release(&tfs), release(&next), release(&slots_out), release(&tfs_out);
    if (failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* distinct(sizes, terms, width, terms_out, counts_out, per_group): per group of terms (the groups in a row,
 * sizes[g] terms the g-th; every term in [0, width)), its distinct terms in order of first use and how often
 * each occurs, into terms_out and counts_out, group after group, and how many each group has into per_group
 * (all int64); returns how many were written. One pass with each term's last group and place kept, where
 * NumPy sorted (group, term) keys stably to find the first uses: the counting of a worker's run of articles
 * (its passages' postings and its sentences' terms, worker._count). A term outside [0, width), sizes that
 * do not add up to the terms, or outputs too short raise ValueError or IndexError. */
static PyObject *distinct(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Array sizes = {0}, terms = {0}, terms_out = {0}, counts_out = {0}, per_group = {0};
    int64_t *last = NULL, *place = NULL;
    Py_ssize_t written = 0;
    int failed = 0, bad = 0;
    if (check_count(nargs, 6, "distinct") < 0 || take(args[0], 'i', 0, &sizes, "sizes") < 0 ||
        take(args[1], 'i', 0, &terms, "terms") < 0 || take(args[3], 'i', 1, &terms_out, "terms_out") < 0 ||
        take(args[4], 'i', 1, &counts_out, "counts_out") < 0 || take(args[5], 'i', 1, &per_group, "per_group") < 0) {
        failed = 1;
        goto done;
    }
    Py_ssize_t width = PyLong_AsSsize_t(args[2]);
    if (width == -1 && PyErr_Occurred()) {
        failed = 1;
        goto done;
    }
    Py_ssize_t groups = length(&sizes), n = length(&terms);
    if (sizes.view.itemsize != 8 || terms.view.itemsize != 8 || terms_out.view.itemsize != 8 ||
        counts_out.view.itemsize != 8 || per_group.view.itemsize != 8 || width < 0 || length(&terms_out) < n ||
        length(&counts_out) < n || length(&per_group) != groups) {
        PyErr_SetString(PyExc_ValueError, "distinct: int64 arrays, width not negative, outputs as long as the "
                                          "terms and per_group as the sizes");
        failed = 1;
        goto done;
    }
    last = PyMem_Malloc((size_t)(width ? width : 1) * sizeof(int64_t));
    place = PyMem_Malloc((size_t)(width ? width : 1) * sizeof(int64_t));
    if (last == NULL || place == NULL) {
        PyErr_NoMemory();
        failed = 1;
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    const int64_t *size = sizes.view.buf, *term = terms.view.buf;
    int64_t *term_to = terms_out.view.buf, *count_to = counts_out.view.buf, *per = per_group.view.buf;
    for (Py_ssize_t t = 0; t < width; t++) {
        last[t] = -1;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t g = 0; g < groups && !bad; g++) {
        if (size[g] < 0 || size[g] > n - at) {
            bad = 2;
            break;
        }
        Py_ssize_t before = written;
        for (Py_ssize_t end = at + size[g]; at < end; at++) {
            int64_t t = term[at];
            if (t < 0 || t >= width) {
                bad = 1;
                break;
            }
            if (last[t] != g) {
                last[t] = g;
                place[t] = written;
                term_to[written] = t;
                count_to[written++] = 1;
            } else {
                count_to[place[t]]++;
            }
        }
        per[g] = written - before;
    }
    if (!bad && at != n) {
        bad = 2;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        if (bad == 1) {
            PyErr_SetString(PyExc_IndexError, "distinct: a term outside [0, width)");
        } else {
            PyErr_SetString(PyExc_ValueError, "distinct: the sizes do not add up to the terms");
        }
        failed = 1;
    }
done:
    PyMem_Free(last);
    PyMem_Free(place);
    release(&sizes), release(&terms), release(&terms_out), release(&counts_out), release(&per_group);
    if (failed) {
        return NULL;
    }
    return PyLong_FromSsize_t(written);
}

static PyMethodDef methods[] = {
    {"add", (PyCFunction)(void (*)(void))add, METH_FASTCALL,
     "add(acc, slots, tfs, norm, factor, weight), add(acc, slots, tfs, lengths, norm_table, factor, weight) or "
     "add(acc, slots, values, weight): acc[slot] += the term's weighted impact, "
     "factor*tf/(tf+norm[slot])*weight (norm_table[lengths[slot]] for norm[slot]) or value*weight"},
    {"look_up", (PyCFunction)(void (*)(void))look_up, METH_FASTCALL,
     "look_up(partial, candidates, <a term as add takes it>): partial[i] += the term's weighted impact in "
     "candidates[i], where it occurs"},
    {"kth_largest", (PyCFunction)(void (*)(void))kth_largest, METH_FASTCALL,
     "kth_largest(acc, slots, k): the k-th largest of acc at slots, 0.0 if fewer than k"},
    {"zero", (PyCFunction)(void (*)(void))zero, METH_FASTCALL, "zero(acc, slots): acc[slot] = 0"},
    {"best", (PyCFunction)(void (*)(void))best, METH_FASTCALL,
     "best(acc, lists, slots_out, scores_out): the best positive scores of acc, best first, ties by slot, "
     "into slots_out (int64) and scores_out (float32); returns how many; acc is left zero at the lists' slots"},
    {"score_best", (PyCFunction)(void (*)(void))score_best, METH_FASTCALL,
     "score_best(acc, terms, slots_out, scores_out): every term (a tuple as add takes it, without acc) added "
     "into acc a stripe of slots at a time, and the best positive scores taken out as best() takes them; returns "
     "how many; acc is left zero"},
    {"score_packed", (PyCFunction)(void (*)(void))score_packed, METH_FASTCALL,
     "score_packed(acc, terms, slots_out, scores_out, slots, impacts, starts, id_at, weight_at): score_best for "
     "postings packed term after term (term t's slots and impacts at starts[t]:starts[t+1]), of terms, tuples with "
     "a term id at id_at and a weight at weight_at"},
    {"distinct", (PyCFunction)(void (*)(void))distinct, METH_FASTCALL,
     "distinct(sizes, terms, width, terms_out, counts_out, per_group): each group's distinct terms in order of "
     "first use and their counts, group after group, and how many each group has; returns how many in all"},
    {"group", (PyCFunction)(void (*)(void))group, METH_FASTCALL,
     "group(terms, slots, tfs, next, slots_out, tfs_out): the postings grouped by term into slots_out and "
     "tfs_out, each term's in the order added, term t's from position next[t] on (next is moved on)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels", "Scoring's inner loops, compiled (see index/_kernels.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    return PyModule_Create(&module);
}
