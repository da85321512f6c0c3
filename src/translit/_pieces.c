/* translit._pieces: the per-piece loop of Scheme._by_words in C.

   map_pieces(text, cache) cuts `text` at spaces and line breaks, looks each piece up in the dict
   `cache` and returns the text with every piece replaced by its value, separators kept as they are.
   If some pieces are not in `cache` it returns the set of those pieces instead (the caller fills the
   cache and calls again).  The pure-Python form of the same loop (replace, split, set, map, join) is
   in schemes.py; tests assert both give the same. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define IS_SEP(ch) ((ch) == ' ' || (ch) == '\n')

static PyObject *
map_pieces(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "map_pieces(text: str, cache: dict)");
        return NULL;
    }
    PyObject *text = args[0], *cache = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);

    Py_ssize_t npieces = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (IS_SEP(ch))
            npieces++;
    }
    PyObject **values = PyMem_Malloc(npieces * sizeof(PyObject *));
    if (values == NULL)
        return PyErr_NoMemory();
    PyObject *missing = NULL, *out = NULL;
    Py_ssize_t found = 0, total = npieces - 1, start = 0;
    Py_UCS4 maxchar = 127;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && !IS_SEP(PyUnicode_READ(kind, data, i)))
            continue;
        PyObject *piece = PyUnicode_Substring(text, start, i);
        if (piece == NULL)
            goto done;
        PyObject *value = PyDict_GetItemWithError(cache, piece);  /* borrowed */
        if (value == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(piece);
                goto done;
            }
            if (missing == NULL && (missing = PySet_New(NULL)) == NULL) {
                Py_DECREF(piece);
                goto done;
            }
            if (PySet_Add(missing, piece) < 0) {
                Py_DECREF(piece);
                goto done;
            }
        }
        else if (missing == NULL) {
            if (!PyUnicode_Check(value)) {
                Py_DECREF(piece);
                PyErr_SetString(PyExc_TypeError, "map_pieces: the cache holds a value that is not a str");
                goto done;
            }
            Py_INCREF(value);
            values[found++] = value;
            total += PyUnicode_GET_LENGTH(value);
            Py_UCS4 m = PyUnicode_MAX_CHAR_VALUE(value);
            if (m > maxchar)
                maxchar = m;
        }
        Py_DECREF(piece);
        start = i + 1;
    }
    if (missing != NULL)
        goto done;

    out = PyUnicode_New(total, maxchar);
    if (out == NULL)
        goto done;
    Py_ssize_t pos = 0, k = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_UCS4 ch = 0;
        if (i < n) {
            ch = PyUnicode_READ(kind, data, i);
            if (!IS_SEP(ch))
                continue;
        }
        PyObject *value = values[k++];
        Py_ssize_t len = PyUnicode_GET_LENGTH(value);
        if (len && PyUnicode_CopyCharacters(out, pos, value, 0, len) < 0) {
            Py_CLEAR(out);
            goto done;
        }
        pos += len;
        if (i < n)
            PyUnicode_WRITE(PyUnicode_KIND(out), PyUnicode_DATA(out), pos++, ch);
    }

done:
    for (Py_ssize_t k = 0; k < found; k++)
        Py_DECREF(values[k]);
    PyMem_Free(values);
    if (PyErr_Occurred()) {
        Py_XDECREF(missing);
        Py_XDECREF(out);
        return NULL;
    }
    return missing != NULL ? missing : out;
}

static PyMethodDef methods[] = {
    {"map_pieces", (PyCFunction)(void (*)(void))map_pieces, METH_FASTCALL,
     "map_pieces(text, cache) -> str | set: every piece of text between spaces and line breaks replaced by\n"
     "cache[piece], or the set of the pieces that cache lacks."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pieces", "The per-piece loop of long-text transliteration in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__pieces(void)
{
    return PyModule_Create(&module);
}
