/* translit._speedups: loops over whole texts in C, each with a Python form beside it that tests hold it
   equal to (the module is optional: without a C compiler the Python forms run).

   map_pieces(text, cache) (schemes.py, Scheme._by_words) cuts `text` at spaces and line breaks, looks
   each piece up in the dict `cache` and returns the text with every piece replaced by its value,
   separators kept as they are.  If some pieces are not in `cache` it returns the set of those pieces
   instead (the caller fills the cache and calls again).  Python form: schemes._map_pieces.

   cap_tokens(text, capitals, word_chars, glue_chars, known, token_type) (normalize.py,
   Normalizer.tokens) finds the capitalised words the way normalize._CAP_TOKEN does (a capital, then
   word characters, then an optional full stop) that do not follow a character of normalize._WORD_CHAR
   (McDonald's D).  `capitals`, `word_chars` and `glue_chars` are bytes indexed by code point (1: in
   the class), made in Python from the regular expressions themselves; past the end of the last two, a
   character is in them if it is in sre's \w (alphanumeric or _).  `known` is the caller's cache of
   what it learnt about a word; the tokens of known name words are made here (see below), the words
   not in it are handed back for the caller to learn (with an empty `known`: every word).  Python
   form: normalize._cap_tokens (its scan: normalize._cap_words).

   translate(text, table) (schemes.py): str.translate for a table that is a list of str.

   Rules(rules, first, table, limit, risky) (schemes.py, Scheme._cased and Scheme._letter_run): a
   scheme's context rules as tables (rx.table_rules) and its letter table, run over a text in one
   loop; the Python forms are the regular expressions they come from (schemes._pattern_run and the
   general engine), which tests hold them equal to. */

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

struct classes {
    const unsigned char *caps;
    Py_ssize_t ncaps;
    const unsigned char *wchars;
    Py_ssize_t nwchars;
    const unsigned char *glue;
    Py_ssize_t nglue;
};

/* in_class: is `ch` in a class given as bytes indexed by code point, past whose end \w decides */
#define IN_CLASS(ch, map, n) ((ch) < (Py_UCS4)(n) ? (map)[ch] : (Py_UNICODE_ISALNUM(ch) || (ch) == '_'))

/* next_word_K: the start of the next capitalised word at or after *pos in a string of K-byte
   characters, *pos left after the word (and its full stop); -1 when there is none.  One loop per
   character width, so that the compiler reads the characters without a switch per character. */
#define DEFINE_NEXT_WORD(NAME, TYPE)                                                          \
    static Py_ssize_t NAME(const void *data, Py_ssize_t n, Py_ssize_t *pos, const struct classes *c) \
    {                                                                                         \
        const TYPE *s = (const TYPE *)data;                                                   \
        Py_ssize_t i = *pos;                                                                  \
        for (;;) {                                                                            \
            while (i < n && !((Py_UCS4)s[i] < (Py_UCS4)c->ncaps && c->caps[s[i]]))              \
                i++;                                                                          \
            if (i >= n) {                                                                     \
                *pos = n;                                                                     \
                return -1;                                                                    \
            }                                                                                 \
            Py_ssize_t start = i++;                                                           \
            while (i < n && IN_CLASS((Py_UCS4)s[i], c->wchars, c->nwchars))                   \
                i++;                                                                          \
            if (i < n && s[i] == '.')                                                         \
                i++;                                                                          \
            if (start > 0 && IN_CLASS((Py_UCS4)s[start - 1], c->glue, c->nglue))              \
                continue; /* inside a word */                                                 \
            *pos = i;                                                                         \
            return start;                                                                     \
        }                                                                                     \
    }

DEFINE_NEXT_WORD(next_word_1, Py_UCS1)
DEFINE_NEXT_WORD(next_word_2, Py_UCS2)
DEFINE_NEXT_WORD(next_word_4, Py_UCS4)

/* The scan of cap_tokens: args[0] the text, args[1..3] the classes. */
struct scan {
    PyObject *text;
    Py_ssize_t n, pos;
    int kind;
    const void *data;
    struct classes cls;
};

static void
scan_init(struct scan *sc, PyObject *const *args)
{
    sc->text = args[0];
    sc->n = PyUnicode_GET_LENGTH(args[0]);
    sc->pos = 0;
    sc->kind = PyUnicode_KIND(args[0]);
    sc->data = PyUnicode_DATA(args[0]);
    sc->cls = (struct classes){
        (const unsigned char *)PyBytes_AS_STRING(args[1]), PyBytes_GET_SIZE(args[1]),
        (const unsigned char *)PyBytes_AS_STRING(args[2]), PyBytes_GET_SIZE(args[2]),
        (const unsigned char *)PyBytes_AS_STRING(args[3]), PyBytes_GET_SIZE(args[3])};
}

/* The offset of the next capitalised word and the word itself (*word, a new reference); -1 at the end
   of the text, -2 on an error. */
static Py_ssize_t
scan_next(struct scan *sc, PyObject **word)
{
    Py_ssize_t start = sc->kind == PyUnicode_1BYTE_KIND ? next_word_1(sc->data, sc->n, &sc->pos, &sc->cls)
                     : sc->kind == PyUnicode_2BYTE_KIND ? next_word_2(sc->data, sc->n, &sc->pos, &sc->cls)
                     : next_word_4(sc->data, sc->n, &sc->pos, &sc->cls);
    if (start < 0)
        return -1;
    *word = PyUnicode_Substring(sc->text, start, sc->pos);
    return *word == NULL ? -2 : start;
}

/* cap_tokens(text, capitals, word_chars, glue_chars, known, token_type): the capitalised words (see the top), with the
   tokens made here.  `known` maps a word to its entry (kind, key, length, flat, surface, alone): kind
   0 other, 1 name word, 2 initial; length of the token within the word.  A word whose kind is not 0
   becomes token_type(start, start + length, surface, key, kind == 2, kind == 1, flat, alone), a
   tuple subclass (a named tuple); a word of kind 0 is left out; a word not in `known` holds its
   place as None and is listed in `unknown` as (place, offset, word), for the caller to learn.
   Returns (tokens, unknown).  Python form: normalize._cap_tokens. */
static PyObject *
cap_tokens(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1]) || !PyBytes_Check(args[2])
            || !PyBytes_Check(args[3]) || !PyDict_CheckExact(args[4]) || !PyType_Check(args[5])
            || !PyType_IsSubtype((PyTypeObject *)args[5], &PyTuple_Type)
            || ((PyTypeObject *)args[5])->tp_basicsize != PyTuple_Type.tp_basicsize) {
        PyErr_SetString(PyExc_TypeError, "cap_tokens(text: str, capitals: bytes, word_chars: bytes, "
                                         "glue_chars: bytes, known: dict, token_type: a named tuple type)");
        return NULL;
    }
    PyObject *known = args[4];
    PyTypeObject *token_type = (PyTypeObject *)args[5];
    PyObject *tokens = PyList_New(0), *unknown = PyList_New(0);
    if (tokens == NULL || unknown == NULL)
        goto error;
    struct scan sc;
    scan_init(&sc, args);
    for (;;) {
        PyObject *w;
        Py_ssize_t start = scan_next(&sc, &w);
        if (start == -1)
            break;
        if (start < 0)
            goto error;
        PyObject *entry = PyDict_GetItemWithError(known, w);  /* borrowed */
        if (entry == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(w);
                goto error;
            }
            PyObject *item = Py_BuildValue("(nnN)", PyList_GET_SIZE(tokens), start, w);  /* steals w */
            if (item == NULL || PyList_Append(unknown, item) < 0 || PyList_Append(tokens, Py_None) < 0) {
                Py_XDECREF(item);
                goto error;
            }
            Py_DECREF(item);
            continue;
        }
        Py_DECREF(w);
        long word_kind;
        Py_ssize_t length;
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) < 6
                || (word_kind = PyLong_AsLong(PyTuple_GET_ITEM(entry, 0))) == -1
                || (length = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 2))) == -1) {
            if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_TypeError, "cap_tokens: an entry of `known` is not "
                                                 "(kind, key, length, flat, surface, alone)");
            }
            goto error;
        }
        if (word_kind == 0)
            continue;
        PyObject *tok = token_type->tp_alloc(token_type, 8);
        if (tok == NULL)
            goto error;
        PyObject *a = PyLong_FromSsize_t(start), *b = PyLong_FromSsize_t(start + length);
        if (a == NULL || b == NULL) {
            Py_XDECREF(a);
            Py_XDECREF(b);
            Py_DECREF(tok);
            goto error;
        }
        PyObject *items[8] = {a, b, PyTuple_GET_ITEM(entry, 4), PyTuple_GET_ITEM(entry, 1),
                              word_kind == 2 ? Py_True : Py_False, word_kind == 1 ? Py_True : Py_False,
                              PyTuple_GET_ITEM(entry, 3), PyTuple_GET_ITEM(entry, 5)};
        for (int k = 0; k < 8; k++) {
            if (k >= 2)
                Py_INCREF(items[k]);
            PyTuple_SET_ITEM(tok, k, items[k]);
        }
        if (PyList_Append(tokens, tok) < 0) {
            Py_DECREF(tok);
            goto error;
        }
        Py_DECREF(tok);
    }
    return Py_BuildValue("(NN)", tokens, unknown);

error:
    Py_XDECREF(tokens);
    Py_XDECREF(unknown);
    return NULL;
}

/* translate(text, table): text.translate(table) for a table that is a list of str indexed by code point
   (a character past its end passes through), in two passes over the text (the length and widest
   character of the result, then the characters), without the Python object that str.translate looks
   up for every character.  Python form: str.translate itself (schemes.py). */
static PyObject *
translate(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "translate(text: str, table: list[str])");
        return NULL;
    }
    PyObject *text = args[0], *table = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), size = PyList_GET_SIZE(table), length = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 widest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)ch >= size) {
            length++;
            widest = ch > widest ? ch : widest;
            continue;
        }
        PyObject *item = PyList_GET_ITEM(table, ch);
        if (!PyUnicode_Check(item)) {
            PyErr_Format(PyExc_TypeError, "translate: the table's item %zd is not a str", (Py_ssize_t)ch);
            return NULL;
        }
        length += PyUnicode_GET_LENGTH(item);
        Py_UCS4 top = PyUnicode_MAX_CHAR_VALUE(item);  /* the bound of its width: the result's width */
        widest = top > widest ? top : widest;
    }
    PyObject *out = PyUnicode_New(length, widest);
    if (out == NULL)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t pos = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)ch >= size) {
            PyUnicode_WRITE(okind, odata, pos++, ch);
            continue;
        }
        PyObject *item = PyList_GET_ITEM(table, ch);
        Py_ssize_t len = PyUnicode_GET_LENGTH(item);
        int ikind = PyUnicode_KIND(item);
        const void *idata = PyUnicode_DATA(item);
        for (Py_ssize_t k = 0; k < len; k++)
            PyUnicode_WRITE(okind, odata, pos++, PyUnicode_READ(ikind, idata, k));
    }
    return out;
}

/* Rules(rules, first, table, limit, risky): a scheme's context rules of the common shape (rx.table_rules) as a
   loop in C.  Rules.run(text) does what the case-sensitive pattern (rx.cased_dispatch), its
   replacement and the letter table do together (schemes._cased_run), in one pass: at each character,
   the rules that can start there are tried in the pattern's order (lookbehind of one character, the
   letters after the first in lower case, a lookahead of a fixed run of characters); the first that
   fits writes its output (capitalised when it matched a capital), else the character goes through
   the letter table.  Sets are bitmaps over the code points below `limit`, with one more byte for \w.
   Python form: schemes._cased_run itself; tests hold the two equal. */
typedef struct {
    Py_ssize_t n;                /* sets, one per character */
    const unsigned char **sets;
    const unsigned char *tail;   /* a set that must not come next, or NULL */
} run_t;

typedef struct {
    Py_ssize_t nalts;  /* a lookbehind has one */
    run_t *alts;
    int neg;
} look_t;

typedef struct {
    Py_ssize_t nbehind;  /* every one must hold */
    look_t *behind;
    Py_ssize_t nbody;    /* the letters after the first */
    const unsigned char **body;
    Py_ssize_t nahead;   /* every one must hold */
    look_t *ahead;
    PyObject *out[2];    /* borrowed from `spec` */
} rule_t;

typedef struct {
    PyObject_HEAD
    PyObject *spec;  /* (rules, first, table, risky): keeps every object below alive */
    Py_ssize_t limit, nrules, ntable;
    rule_t *rules;
    void **blocks;   /* every block allocated for the rules, freed with the object */
    Py_ssize_t nblocks, capblocks;
    Py_ssize_t *first_start;  /* limit + 1 offsets into first_codes */
    int *first_codes;         /* rule * 2 + capital */
    PyObject **table;         /* borrowed: the letter table's items */
    const unsigned char *risky;  /* per BMP code point: 1 a capital, 2 never in this engine's texts */
} RulesObject;

static void
Rules_dealloc(RulesObject *self)
{
    for (Py_ssize_t k = 0; k < self->nblocks; k++)
        PyMem_Free(self->blocks[k]);
    PyMem_Free(self->blocks);
    PyMem_Free(self->rules);
    PyMem_Free(self->first_start);
    PyMem_Free(self->first_codes);
    Py_XDECREF(self->spec);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* a zeroed block of `count` items of `size` bytes, freed with the object; NULL (an error set) if none */
static void *
block(RulesObject *self, Py_ssize_t count, size_t size)
{
    if (self->nblocks == self->capblocks) {
        Py_ssize_t cap = 2 * self->capblocks + 16;
        void **grown = PyMem_Realloc(self->blocks, cap * sizeof(void *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        self->blocks = grown;
        self->capblocks = cap;
    }
    void *p = PyMem_Calloc(count ? count : 1, size);
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    return self->blocks[self->nblocks++] = p;
}

static const unsigned char *
bitmap_of(PyObject *b, Py_ssize_t limit)
{
    if (!PyBytes_Check(b) || PyBytes_GET_SIZE(b) != limit + 1) {
        PyErr_SetString(PyExc_TypeError, "Rules: a set is not a bitmap of limit + 1 bytes");
        return NULL;
    }
    return (const unsigned char *)PyBytes_AS_STRING(b);
}

/* a tuple of sets into `out`; 0, or -1 with an error set */
static int
sets_of(RulesObject *self, PyObject *run, Py_ssize_t *n, const unsigned char ***sets)
{
    if (!PyTuple_Check(run)) {
        PyErr_SetString(PyExc_TypeError, "Rules: a run of characters is a tuple of sets");
        return -1;
    }
    *n = PyTuple_GET_SIZE(run);
    if ((*sets = block(self, *n, sizeof(const unsigned char *))) == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < *n; k++)
        if (((*sets)[k] = bitmap_of(PyTuple_GET_ITEM(run, k), self->limit)) == NULL)
            return -1;
    return 0;
}

/* looks (a tuple of (what, negated)) into `out`: for a lookbehind `what` is a run, for a lookahead a
   tuple of (run, tail set or None) alternatives; 0, or -1 with an error set */
static int
looks_of(RulesObject *self, PyObject *looks, int ahead, Py_ssize_t *n, look_t **out)
{
    if (!PyTuple_Check(looks)) {
        PyErr_SetString(PyExc_TypeError, "Rules: the looks of a rule are a tuple");
        return -1;
    }
    *n = PyTuple_GET_SIZE(looks);
    if ((*out = block(self, *n, sizeof(look_t))) == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < *n; k++) {
        PyObject *look = PyTuple_GET_ITEM(looks, k);
        if (!PyTuple_Check(look) || PyTuple_GET_SIZE(look) != 2) {
            PyErr_SetString(PyExc_TypeError, "Rules: a look is (what, negated)");
            return -1;
        }
        look_t *lk = &(*out)[k];
        lk->neg = PyObject_IsTrue(PyTuple_GET_ITEM(look, 1));
        PyObject *what = PyTuple_GET_ITEM(look, 0);
        if (!ahead) {
            lk->nalts = 1;
            if ((lk->alts = block(self, 1, sizeof(run_t))) == NULL
                    || sets_of(self, what, &lk->alts[0].n, &lk->alts[0].sets) < 0)
                return -1;
            continue;
        }
        if (!PyTuple_Check(what)) {
            PyErr_SetString(PyExc_TypeError, "Rules: a lookahead is a tuple of (run, tail) alternatives");
            return -1;
        }
        lk->nalts = PyTuple_GET_SIZE(what);
        if ((lk->alts = block(self, lk->nalts, sizeof(run_t))) == NULL)
            return -1;
        for (Py_ssize_t a = 0; a < lk->nalts; a++) {
            PyObject *alt = PyTuple_GET_ITEM(what, a);
            if (!PyTuple_Check(alt) || PyTuple_GET_SIZE(alt) != 2) {
                PyErr_SetString(PyExc_TypeError, "Rules: a lookahead's alternative is (run, tail)");
                return -1;
            }
            if (sets_of(self, PyTuple_GET_ITEM(alt, 0), &lk->alts[a].n, &lk->alts[a].sets) < 0)
                return -1;
            PyObject *tail = PyTuple_GET_ITEM(alt, 1);
            if (tail != Py_None && (lk->alts[a].tail = bitmap_of(tail, self->limit)) == NULL)
                return -1;
        }
    }
    return 0;
}

static PyObject *
Rules_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *rules, *first, *table, *risky;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!O!O!nO!", &PyList_Type, &rules, &PyList_Type, &first, &PyList_Type, &table,
                          &limit, &PyBytes_Type, &risky))
        return NULL;
    if (limit <= 0 || PyList_GET_SIZE(first) != limit) {
        PyErr_SetString(PyExc_ValueError, "Rules: `first` must have `limit` items");
        return NULL;
    }
    if (PyBytes_GET_SIZE(risky) != 0x10000) {
        PyErr_SetString(PyExc_ValueError, "Rules: `risky` must have 65,536 bytes");
        return NULL;
    }
    RulesObject *self = (RulesObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->spec = PyTuple_Pack(4, rules, first, table, risky);
    if (self->spec == NULL)
        goto error;
    self->risky = (const unsigned char *)PyBytes_AS_STRING(risky);
    self->limit = limit;
    self->nrules = PyList_GET_SIZE(rules);
    self->ntable = PyList_GET_SIZE(table);
    self->table = ((PyListObject *)table)->ob_item;
    for (Py_ssize_t c = 0; c < self->ntable; c++)
        if (!PyUnicode_Check(self->table[c])) {
            PyErr_SetString(PyExc_TypeError, "Rules: the table's items must be str");
            goto error;
        }
    self->rules = PyMem_Calloc(self->nrules ? self->nrules : 1, sizeof(rule_t));
    if (self->rules == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (Py_ssize_t r = 0; r < self->nrules; r++) {
        PyObject *rule = PyList_GET_ITEM(rules, r);
        rule_t *rt = &self->rules[r];
        if (!PyTuple_Check(rule) || PyTuple_GET_SIZE(rule) != 5) {
            PyErr_SetString(PyExc_TypeError, "Rules: a rule is (behind, body, ahead, out, Out)");
            goto error;
        }
        if (looks_of(self, PyTuple_GET_ITEM(rule, 0), 0, &rt->nbehind, &rt->behind) < 0
                || sets_of(self, PyTuple_GET_ITEM(rule, 1), &rt->nbody, &rt->body) < 0
                || looks_of(self, PyTuple_GET_ITEM(rule, 2), 1, &rt->nahead, &rt->ahead) < 0)
            goto error;
        for (int k = 0; k < 2; k++) {
            rt->out[k] = PyTuple_GET_ITEM(rule, 3 + k);
            if (!PyUnicode_Check(rt->out[k])) {
                PyErr_SetString(PyExc_TypeError, "Rules: a rule's outputs must be str");
                goto error;
            }
        }
    }
    self->first_start = PyMem_Calloc(limit + 1, sizeof(Py_ssize_t));
    Py_ssize_t ncodes = 0;
    for (Py_ssize_t c = 0; c < limit; c++) {
        PyObject *codes = PyList_GET_ITEM(first, c);
        if (!PyTuple_Check(codes)) {
            PyErr_SetString(PyExc_TypeError, "Rules: `first` holds tuples of rule codes");
            goto error;
        }
        ncodes += PyTuple_GET_SIZE(codes);
    }
    self->first_codes = PyMem_Calloc(ncodes ? ncodes : 1, sizeof(int));
    if (self->first_start == NULL || self->first_codes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t c = 0; c < limit; c++) {
        PyObject *codes = PyList_GET_ITEM(first, c);
        self->first_start[c] = at;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(codes); k++) {
            long code = PyLong_AsLong(PyTuple_GET_ITEM(codes, k));
            if (code < 0 || code >= 2 * self->nrules) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "Rules: a rule code out of range");
                goto error;
            }
            self->first_codes[at++] = (int)code;
        }
    }
    self->first_start[limit] = at;
    return (PyObject *)self;

error:
    Py_DECREF(self);
    return NULL;
}

#define IN_SET(set, ch, limit) \
    (((ch) < (Py_UCS4)(limit) && (set)[ch]) || ((set)[limit] && (Py_UNICODE_ISALNUM(ch) || (ch) == '_')))

/* Is the text one this engine is for: no capital after a letter, digit, _, apostrophe or hyphen (the
   look-behind of rx.capital_inside_word), no character marked 2 in `risky` (hazards, placeholders), no
   character past the BMP (not judged here: the caller's general engine takes the text)? */
static int
is_plain(const RulesObject *self, int kind, const void *data, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch >= 0x10000)
            return 0;
        unsigned char mark = self->risky[ch];
        if (mark == 0)
            continue;
        if (mark & 2)
            return 0;
        if (i > 0) {
            Py_UCS4 p = PyUnicode_READ(kind, data, i - 1);
            if (Py_UNICODE_ISALNUM(p) || p == '_' || p == '\'' || p == 0x2019 || p == 0x2BC || p == '-')
                return 0;
        }
    }
    return 1;
}

static PyObject *
rules_run(RulesObject *self, PyObject *text, int check)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "Rules.run(text: str)");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), limit = self->limit;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (check && !is_plain(self, kind, data, n))
        Py_RETURN_NONE;
    Py_ssize_t cap = 2 * n + 16, len = 0;
    Py_UCS4 stack[256];
    Py_UCS4 *buf = cap <= 256 ? stack : PyMem_Malloc(cap * sizeof(Py_UCS4));
    if (buf == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        PyObject *piece = NULL;
        Py_ssize_t step = 1;
        if (ch < (Py_UCS4)limit) {
            for (Py_ssize_t k = self->first_start[ch]; k < self->first_start[ch + 1]; k++) {
                int code = self->first_codes[k];
                const rule_t *rt = &self->rules[code >> 1];
                int fits = 1;
                for (Py_ssize_t b = 0; fits && b < rt->nbehind; b++) {
                    const run_t *run = &rt->behind[b].alts[0];
                    int in = i >= run->n;
                    for (Py_ssize_t k = 0; in && k < run->n; k++)
                        in = IN_SET(run->sets[k], PyUnicode_READ(kind, data, i - run->n + k), limit);
                    fits = in != rt->behind[b].neg;
                }
                Py_ssize_t end = i + 1 + rt->nbody;
                fits = fits && end <= n;
                for (Py_ssize_t b = 0; fits && b < rt->nbody; b++) {
                    Py_UCS4 c = PyUnicode_READ(kind, data, i + 1 + b);
                    fits = c < (Py_UCS4)limit && rt->body[b][c];
                }
                for (Py_ssize_t a = 0; fits && a < rt->nahead; a++) {
                    const look_t *lk = &rt->ahead[a];
                    int in = 0;
                    for (Py_ssize_t alt = 0; !in && alt < lk->nalts; alt++) {
                        const run_t *run = &lk->alts[alt];
                        int ok = end + run->n <= n;
                        for (Py_ssize_t k = 0; ok && k < run->n; k++)
                            ok = IN_SET(run->sets[k], PyUnicode_READ(kind, data, end + k), limit);
                        if (ok && run->tail != NULL && end + run->n < n)
                            ok = !IN_SET(run->tail, PyUnicode_READ(kind, data, end + run->n), limit);
                        in = ok;
                    }
                    fits = in != lk->neg;
                }
                if (!fits)
                    continue;
                piece = rt->out[code & 1];
                step = end - i;
                break;
            }
        }
        if (piece == NULL && ch < (Py_UCS4)self->ntable)
            piece = self->table[ch];
        Py_ssize_t plen = piece == NULL ? 1 : PyUnicode_GET_LENGTH(piece);
        if (len + plen > cap) {
            Py_ssize_t grown = 2 * (len + plen) + 16;
            Py_UCS4 *bigger = PyMem_Malloc(grown * sizeof(Py_UCS4));
            if (bigger == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            memcpy(bigger, buf, len * sizeof(Py_UCS4));
            if (buf != stack)
                PyMem_Free(buf);
            buf = bigger;
            cap = grown;
        }
        if (piece == NULL)
            buf[len++] = ch;
        else {
            int pkind = PyUnicode_KIND(piece);
            const void *pdata = PyUnicode_DATA(piece);
            for (Py_ssize_t k = 0; k < plen; k++)
                buf[len++] = PyUnicode_READ(pkind, pdata, k);
        }
        i += step;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, len);
done:
    if (buf != stack)
        PyMem_Free(buf);
    return result;
}

static PyObject *
Rules_run(RulesObject *self, PyObject *text)
{
    return rules_run(self, text, 0);
}

static PyObject *
Rules_run_plain(RulesObject *self, PyObject *text)
{
    return rules_run(self, text, 1);
}

static PyMethodDef Rules_methods[] = {
    {"run", (PyCFunction)Rules_run, METH_O, "run(text) -> str: the text through the rules and the letter table."},
    {"run_plain", (PyCFunction)Rules_run_plain, METH_O,
     "run_plain(text) -> str | None: run(text), or None for a text this engine is not for (see is_plain)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RulesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "translit._speedups.Rules",
    .tp_basicsize = sizeof(RulesObject),
    .tp_dealloc = (destructor)Rules_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Rules(rules, first, table, limit, risky): context rules of the common shape as a loop in C.",
    .tp_methods = Rules_methods,
    .tp_new = Rules_new,
};

static PyMethodDef methods[] = {
    {"cap_tokens", (PyCFunction)(void (*)(void))cap_tokens, METH_FASTCALL,
     "cap_tokens(text, capitals, word_chars, glue_chars, known, token_type) -> (tokens, unknown): the\n"
     "capitalised words as tokens made from their entries in `known` (see the module's source)."},
    {"translate", (PyCFunction)(void (*)(void))translate, METH_FASTCALL,
     "translate(text, table) -> str: text.translate(table) for a list of str indexed by code point."},
    {"map_pieces", (PyCFunction)(void (*)(void))map_pieces, METH_FASTCALL,
     "map_pieces(text, cache) -> str | set: every piece of text between spaces and line breaks replaced by\n"
     "cache[piece], or the set of the pieces that cache lacks."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "Loops over whole texts in C (long-text transliteration, capitalised words).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&RulesType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RulesType);
    if (PyModule_AddObject(m, "Rules", (PyObject *)&RulesType) < 0) {
        Py_DECREF(&RulesType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
