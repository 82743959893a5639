/* The term numbers of a run's tokens, compiled (index/worker.py: TermNumbers, analyse).
 *
 * Written by hand because it is the product's core indexing loop: every word of every article is
 * looked up once. In Python a text was split (str.split) and each token looked up in a dict of its
 * numbers as bytes, joined: a str made, hashed and freed, and five scattered reads (the dict's index,
 * its entry, the key, the value, and the value again to join it) a word, about 185 ns, a quarter of
 * analysing an article. Here a token is hashed where it stands in its text and found in one compact
 * table whose slot holds its hash, its length and (for one term, most words) its numbers.
 *
 * Table(limit).numbers(pieces, missing): the pieces (str) split at white space as str.split() splits
 * them (Py_UNICODE_ISSPACE), each token's numbers in a row, as int32 bytes: what missing(token)
 * returned (int32 bytes) the first time the token was met. Tokens are compared by their code points,
 * whatever the kind of the string they stand in. Past limit tokens the table starts again, so that a
 * huge archive's stray tokens cannot grow it without bound. The GIL is held throughout.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t hash;   /* 0: an empty slot */
    int32_t length;  /* the token's characters */
    int32_t count;   /* its numbers */
    int64_t key;     /* where its code points start in keys */
    int64_t value;   /* its numbers, when at most two (both int32 in it), else where they start in values */
} Slot;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    Py_ssize_t capacity;  /* a power of two, at least twice the tokens held */
    Py_ssize_t held;
    Py_ssize_t limit;
    Py_UCS4 *keys;
    Py_ssize_t keys_length, keys_capacity;
    int32_t *values;
    Py_ssize_t values_length, values_capacity;
    int busy;  /* numbers() is running: missing() may not use the table */
} Table;

/* A growable array of int32, the output. */
typedef struct {
    int32_t *data;
    Py_ssize_t length, capacity;
} Ints;

static int reserve(void **data, Py_ssize_t *capacity, Py_ssize_t wanted, size_t item) {
    if (wanted <= *capacity) {
        return 0;
    }
    Py_ssize_t grown = *capacity ? *capacity : 1024;
    while (grown < wanted) {
        if (grown > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)item) {
            PyErr_NoMemory();
            return -1;
        }
        grown *= 2;
    }
    void *moved = PyMem_Realloc(*data, (size_t)grown * item);
    if (moved == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *data = moved;
    *capacity = grown;
    return 0;
}

static int append(Ints *out, const int32_t *numbers, Py_ssize_t count) {
    if (reserve((void **)&out->data, &out->capacity, out->length + count, sizeof(int32_t)) < 0) {
        return -1;
    }
    memcpy(out->data + out->length, numbers, (size_t)count * sizeof(int32_t));
    out->length += count;
    return 0;
}

static int empty_slots(Table *table, Py_ssize_t capacity) {
    Slot *slots = PyMem_Calloc((size_t)capacity, sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    table->held = 0;
    return 0;
}

static int start_again(Table *table) {
    table->keys_length = table->values_length = 0;
    return empty_slots(table, 1024);
}

/* Twice the slots, every token put again where its hash now leads. */
static int grow(Table *table) {
    Slot *old = table->slots;
    Py_ssize_t old_capacity = table->capacity;
    Slot *slots = PyMem_Calloc((size_t)(2 * old_capacity), sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t mask = 2 * old_capacity - 1;
    for (Py_ssize_t i = 0; i < old_capacity; i++) {
        if (old[i].hash) {
            Py_ssize_t at = (Py_ssize_t)(old[i].hash & (uint64_t)mask);
            while (slots[at].hash) {
                at = (at + 1) & mask;
            }
            slots[at] = old[i];
        }
    }
    PyMem_Free(old);
    table->slots = slots;
    table->capacity = 2 * old_capacity;
    return 0;
}

static inline uint64_t hash_of(int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    uint64_t hash = 14695981039346656037ULL;  /* FNV-1a over the code points */
    for (Py_ssize_t i = start; i < end; i++) {
        hash = (hash ^ PyUnicode_READ(kind, data, i)) * 1099511628211ULL;
    }
    return hash ? hash : 1;
}

static inline int same(const Table *table, const Slot *slot, int kind, const void *data, Py_ssize_t start,
                       Py_ssize_t length) {
    if (slot->length != length) {
        return 0;
    }
    const Py_UCS4 *key = table->keys + slot->key;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (key[i] != PyUnicode_READ(kind, data, start + i)) {
            return 0;
        }
    }
    return 1;
}

static inline const int32_t *numbers_of(const Table *table, const Slot *slot) {
    return slot->count <= 2 ? (const int32_t *)&slot->value : table->values + slot->value;
}

/* The numbers of the token piece[start:end] appended to out: from the table, or from missing(token),
 * which are then kept. */
static int token(Table *table, PyObject *piece, int kind, const void *data, Py_ssize_t start, Py_ssize_t end,
                 PyObject *missing, Ints *out) {
    Py_ssize_t length = end - start;
    uint64_t hash = hash_of(kind, data, start, end);
    Py_ssize_t mask = table->capacity - 1;
    Py_ssize_t at = (Py_ssize_t)(hash & (uint64_t)mask);
    while (table->slots[at].hash) {
        Slot *slot = &table->slots[at];
        if (slot->hash == hash && same(table, slot, kind, data, start, length)) {
            return append(out, numbers_of(table, slot), slot->count);
        }
        at = (at + 1) & mask;
    }
    PyObject *word = PyUnicode_Substring(piece, start, end);
    if (word == NULL) {
        return -1;
    }
    PyObject *found = PyObject_CallOneArg(missing, word);
    Py_DECREF(word);
    if (found == NULL) {
        return -1;
    }
    if (!PyBytes_Check(found) || PyBytes_GET_SIZE(found) % 4 || PyBytes_GET_SIZE(found) > (Py_ssize_t)INT32_MAX) {
        PyErr_SetString(PyExc_TypeError, "numbers: missing() must return int32 bytes");
        Py_DECREF(found);
        return -1;
    }
    Py_ssize_t count = PyBytes_GET_SIZE(found) / 4;
    int32_t numbers[2] = {0, 0};
    int failed = append(out, (const int32_t *)PyBytes_AS_STRING(found), count);
    if (!failed && table->held >= table->limit) {
        failed = start_again(table);
    }
    if (!failed && 2 * (table->held + 1) > table->capacity) {
        failed = grow(table);
    }
    if (!failed) {
        failed = reserve((void **)&table->keys, &table->keys_capacity, table->keys_length + length, sizeof(Py_UCS4));
    }
    if (!failed && count > 2) {
        failed = reserve((void **)&table->values, &table->values_capacity, table->values_length + count,
                         sizeof(int32_t));
    }
    if (failed) {
        Py_DECREF(found);
        return -1;
    }
    Slot slot = {hash, (int32_t)length, (int32_t)count, table->keys_length, 0};
    for (Py_ssize_t i = 0; i < length; i++) {
        table->keys[table->keys_length++] = PyUnicode_READ(kind, data, start + i);
    }
    if (count <= 2) {
        memcpy(numbers, PyBytes_AS_STRING(found), (size_t)count * 4);
        memcpy(&slot.value, numbers, sizeof(numbers));
    } else {
        slot.value = table->values_length;
        memcpy(table->values + table->values_length, PyBytes_AS_STRING(found), (size_t)count * 4);
        table->values_length += count;
    }
    Py_DECREF(found);
    mask = table->capacity - 1;
    at = (Py_ssize_t)(hash & (uint64_t)mask);
    while (table->slots[at].hash) {
        at = (at + 1) & mask;
    }
    table->slots[at] = slot;
    table->held++;
    return 0;
}

static int piece_numbers(Table *table, PyObject *piece, PyObject *missing, Ints *out) {
    int kind = PyUnicode_KIND(piece);
    const void *data = PyUnicode_DATA(piece);
    Py_ssize_t n = PyUnicode_GET_LENGTH(piece), i = 0;
    while (i < n) {
        while (i < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        Py_ssize_t start = i;
        while (i < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) {
            i++;
        }
        if (i > start && token(table, piece, kind, data, start, i, missing, out) < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *table_numbers(Table *table, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "numbers: takes pieces and missing (%zd arguments given)", nargs);
        return NULL;
    }
    if (!PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "numbers: missing must be callable");
        return NULL;
    }
    if (table->busy) {
        PyErr_SetString(PyExc_RuntimeError, "numbers: the table is in use");
        return NULL;
    }
    /* A tuple of its own: missing() cannot change the pieces under the loop. */
    PyObject *pieces = PySequence_Tuple(args[0]);
    if (pieces == NULL) {
        return NULL;
    }
    Ints out = {0};
    int failed = 0;
    table->busy = 1;
    for (Py_ssize_t p = 0; p < PyTuple_GET_SIZE(pieces) && !failed; p++) {
        PyObject *piece = PyTuple_GET_ITEM(pieces, p);
        if (!PyUnicode_Check(piece)) {
            PyErr_SetString(PyExc_TypeError, "numbers: every piece must be a str");
            failed = 1;
        } else {
            failed = piece_numbers(table, piece, args[1], &out) < 0;
        }
    }
    table->busy = 0;
    Py_DECREF(pieces);
    PyObject *result = NULL;
    if (!failed) {
        result = PyBytes_FromStringAndSize((const char *)out.data, out.length * (Py_ssize_t)sizeof(int32_t));
    }
    PyMem_Free(out.data);
    return result;
}

static PyObject *table_clear(Table *table, PyObject *unused) {
    if (table->busy) {
        PyErr_SetString(PyExc_RuntimeError, "clear: the table is in use");
        return NULL;
    }
    if (start_again(table) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static Py_ssize_t table_length(Table *table) {
    return table->held;
}

static PyObject *table_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"limit", NULL};
    Py_ssize_t limit;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "n:Table", names, &limit)) {
        return NULL;
    }
    if (limit < 1) {
        PyErr_SetString(PyExc_ValueError, "Table: limit must be at least 1");
        return NULL;
    }
    Table *table = (Table *)type->tp_alloc(type, 0);
    if (table == NULL) {
        return NULL;
    }
    table->limit = limit;
    if (start_again(table) < 0) {
        Py_DECREF(table);
        return NULL;
    }
    return (PyObject *)table;
}

static void table_dealloc(Table *table) {
    PyMem_Free(table->slots);
    PyMem_Free(table->keys);
    PyMem_Free(table->values);
    Py_TYPE(table)->tp_free((PyObject *)table);
}

static PyMethodDef table_methods[] = {
    {"numbers", (PyCFunction)(void (*)(void))table_numbers, METH_FASTCALL,
     "numbers(pieces, missing): the pieces' tokens (str.split()) numbered, in a row, as int32 bytes; a token "
     "met for the first time is numbered by missing(token), which returns int32 bytes"},
    {"clear", (PyCFunction)table_clear, METH_NOARGS, "clear(): forget every token"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods table_sequence = {.sq_length = (lenfunc)table_length};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "citebot.index._tokens.Table",
    .tp_basicsize = sizeof(Table),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Table(limit): tokens and their term numbers, kept for at most limit tokens at a time",
    .tp_new = table_new,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_methods = table_methods,
    .tp_as_sequence = &table_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_tokens", "The term numbers of a run's tokens, compiled (see index/_tokens.c).", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__tokens(void) {
    if (PyType_Ready(&TableType) < 0) {
        return NULL;
    }
    PyObject *created = PyModule_Create(&module);
    if (created == NULL) {
        return NULL;
    }
    Py_INCREF(&TableType);
    if (PyModule_AddObject(created, "Table", (PyObject *)&TableType) < 0) {
        Py_DECREF(&TableType);
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
