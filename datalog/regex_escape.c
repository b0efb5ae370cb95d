/*
** Escapes of the Rust-to-RE2 translation (regex_syntax.c): \x and \u
** code points, \d \s \w, \p{..} Unicode properties with Rust's
** names and aliases, assertions and word boundaries.
*/
#include <string.h>

#include "datalog/regex_int.h"

/* ========================================================= properties */

/* Built-in sets as class items: \w, \s, \S and the assigned ones. */
/* clang-format off */
static const rx_item rx_word_items[] = {
    RX_W(0x200C, 0x200D),   RX_W(0x24B6, 0x24E9),   RX_W(0x1F130, 0x1F149),
    RX_W(0x1F150, 0x1F169), RX_W(0x1F170, 0x1F189), RX_P("L"),
    RX_P("M"),              RX_P("Nd"),             RX_P("Pc"),
    RX_P("Nl"),
};

/* Must say the same as rx_word_items. */
const char bdl_regex_word_items[] =
    "\\p{L}\\p{M}\\p{Nd}\\p{Pc}\\p{Nl}\\x{200C}-\\x{200D}"
    "\\x{24B6}-\\x{24E9}\\x{1F130}-\\x{1F149}\\x{1F150}-\\x{1F169}"
    "\\x{1F170}-\\x{1F189}";

static const rx_item rx_space_items[] = {
    RX_W(0x09, 0x0D),     RX_W(0x20, 0x20),     RX_W(0x85, 0x85),
    RX_W(0xA0, 0xA0),     RX_W(0x1680, 0x1680), RX_W(0x2000, 0x200A),
    RX_W(0x2028, 0x2029), RX_W(0x202F, 0x202F), RX_W(0x205F, 0x205F),
    RX_W(0x3000, 0x3000),
};

/* \S: the complement of rx_space_items. */
static const rx_item rx_nonspace_items[] = {
    RX_W(0x00, 0x08),     RX_W(0x0E, 0x1F),     RX_W(0x21, 0x84),
    RX_W(0x86, 0x9F),     RX_W(0xA1, 0x167F),   RX_W(0x1681, 0x1FFF),
    RX_W(0x200B, 0x2027), RX_W(0x202A, 0x202E), RX_W(0x2030, 0x205E),
    RX_W(0x2060, 0x2FFF), RX_W(0x3001, RX_MAXCP),
};

static const rx_item rx_assigned_items[] = {
    RX_P("Cc"), RX_P("Cf"), RX_P("Co"), RX_P("Cs"), RX_P("L"),
    RX_P("M"),  RX_P("N"),  RX_P("P"),  RX_P("S"),  RX_P("Z"),
};
/* clang-format on */

/*
** General categories: the RE2 name (or one of our specials) then Rust's
** other aliases, normalized (lower case, no '_', '-' or spaces).
*/
static const char *const rx_gc_names[] = {
    "C other",
    "Cc control cntrl",
    "Cf format",
    "Cn unassigned",
    "Co privateuse",
    "Cs surrogate",
    "L letter",
    "LC casedletter",
    "Ll lowercaseletter",
    "Lm modifierletter",
    "Lo otherletter",
    "Lt titlecaseletter",
    "Lu uppercaseletter",
    "M mark combiningmark",
    "Mc spacingmark",
    "Me enclosingmark",
    "Mn nonspacingmark",
    "N number",
    "Nd decimalnumber digit",
    "Nl letternumber",
    "No othernumber",
    "P punctuation punct",
    "Pc connectorpunctuation",
    "Pd dashpunctuation",
    "Pe closepunctuation",
    "Pf finalpunctuation",
    "Pi initialpunctuation",
    "Po otherpunctuation",
    "Ps openpunctuation",
    "S symbol",
    "Sc currencysymbol",
    "Sk modifiersymbol",
    "Sm mathsymbol",
    "So othersymbol",
    "Z separator",
    "Zl lineseparator",
    "Zp paragraphseparator",
    "Zs spaceseparator",
    "Any",
    "ASCII",
    "Assigned",
};

/*
** Scripts Rust knows (Unicode 16) with their aliases; a leading '-' marks
** the ones the installed RE2 lacks. From Unicode's PropertyValueAliases.
*/
static const char *const rx_scripts[] = {
    "Adlam adlm",
    "Ahom",
    "Anatolian_Hieroglyphs hluw",
    "Arabic arab",
    "Armenian armn",
    "Avestan avst",
    "Balinese bali",
    "Bamum bamu",
    "Bassa_Vah bass",
    "Batak batk",
    "Bengali beng",
    "Bhaiksuki bhks",
    "Bopomofo bopo",
    "Brahmi brah",
    "Braille brai",
    "Buginese bugi",
    "Buhid buhd",
    "Canadian_Aboriginal cans",
    "Carian cari",
    "Caucasian_Albanian aghb",
    "Chakma cakm",
    "Cham",
    "Cherokee cher",
    "Chorasmian chrs",
    "Common zyyy",
    "Coptic copt qaac",
    "Cuneiform xsux",
    "Cypriot cprt",
    "Cypro_Minoan cpmn",
    "Cyrillic cyrl",
    "Deseret dsrt",
    "Devanagari deva",
    "Dives_Akuru diak",
    "Dogra dogr",
    "Duployan dupl",
    "Egyptian_Hieroglyphs egyp",
    "Elbasan elba",
    "Elymaic elym",
    "Ethiopic ethi",
    "-Garay gara",
    "Georgian geor",
    "Glagolitic glag",
    "Gothic goth",
    "Grantha gran",
    "Greek grek",
    "Gujarati gujr",
    "Gunjala_Gondi gong",
    "Gurmukhi guru",
    "-Gurung_Khema gukh",
    "Han hani",
    "Hangul hang",
    "Hanifi_Rohingya rohg",
    "Hanunoo hano",
    "Hatran hatr",
    "Hebrew hebr",
    "Hiragana hira",
    "Imperial_Aramaic armi",
    "Inherited qaai zinh",
    "Inscriptional_Pahlavi phli",
    "Inscriptional_Parthian prti",
    "Javanese java",
    "Kaithi kthi",
    "Kannada knda",
    "Katakana kana",
    "Kawi",
    "Kayah_Li kali",
    "Kharoshthi khar",
    "Khitan_Small_Script kits",
    "Khmer khmr",
    "Khojki khoj",
    "Khudawadi sind",
    "-Kirat_Rai krai",
    "Lao laoo",
    "Latin latn",
    "Lepcha lepc",
    "Limbu limb",
    "Linear_A lina",
    "Linear_B linb",
    "Lisu",
    "Lycian lyci",
    "Lydian lydi",
    "Mahajani mahj",
    "Makasar maka",
    "Malayalam mlym",
    "Mandaic mand",
    "Manichaean mani",
    "Marchen marc",
    "Masaram_Gondi gonm",
    "Medefaidrin medf",
    "Meetei_Mayek mtei",
    "Mende_Kikakui mend",
    "Meroitic_Cursive merc",
    "Meroitic_Hieroglyphs mero",
    "Miao plrd",
    "Modi",
    "Mongolian mong",
    "Mro mroo",
    "Multani mult",
    "Myanmar mymr",
    "Nabataean nbat",
    "Nag_Mundari nagm",
    "Nandinagari nand",
    "New_Tai_Lue talu",
    "Newa",
    "Nko nkoo",
    "Nushu nshu",
    "Nyiakeng_Puachue_Hmong hmnp",
    "Ogham ogam",
    "Ol_Chiki olck",
    "-Ol_Onal onao",
    "Old_Hungarian hung",
    "Old_Italic ital",
    "Old_North_Arabian narb",
    "Old_Permic perm",
    "Old_Persian xpeo",
    "Old_Sogdian sogo",
    "Old_South_Arabian sarb",
    "Old_Turkic orkh",
    "Old_Uyghur ougr",
    "Oriya orya",
    "Osage osge",
    "Osmanya osma",
    "Pahawh_Hmong hmng",
    "Palmyrene palm",
    "Pau_Cin_Hau pauc",
    "Phags_Pa phag",
    "Phoenician phnx",
    "Psalter_Pahlavi phlp",
    "Rejang rjng",
    "Runic runr",
    "Samaritan samr",
    "Saurashtra saur",
    "Sharada shrd",
    "Shavian shaw",
    "Siddham sidd",
    "SignWriting sgnw",
    "Sinhala sinh",
    "Sogdian sogd",
    "Sora_Sompeng sora",
    "Soyombo soyo",
    "Sundanese sund",
    "-Sunuwar sunu",
    "Syloti_Nagri sylo",
    "Syriac syrc",
    "Tagalog tglg",
    "Tagbanwa tagb",
    "Tai_Le tale",
    "Tai_Tham lana",
    "Tai_Viet tavt",
    "Takri takr",
    "Tamil taml",
    "Tangsa tnsa",
    "Tangut tang",
    "Telugu telu",
    "Thaana thaa",
    "Thai",
    "Tibetan tibt",
    "Tifinagh tfng",
    "Tirhuta tirh",
    "-Todhri todr",
    "Toto",
    "-Tulu_Tigalari tutg",
    "Ugaritic ugar",
    "Vai vaii",
    "Vithkuqi vith",
    "Wancho wcho",
    "Warang_Citi wara",
    "Yezidi yezi",
    "Yi yiii",
    "Zanabazar_Square zanb",
};

/*
** Binary properties Rust supports, normalized names and aliases. Four of
** them are expressible (rx_bool_class); the others are UNSUPPORTED.
*/
static const char rx_bool_props[] =
    " whitespace space wspace joincontrol joinc asciihexdigit ahex"
    " hexdigit hex alpha alphabetic bidic bidicontrol bidim bidimirrored"
    " cased caseignorable changeswhencasefolded changeswhencasemapped"
    " changeswhenlowercased changeswhentitlecased changeswhenuppercased ci"
    " cwcf cwcm cwl cwt cwu dash defaultignorablecodepoint dep deprecated di"
    " dia diacritic ebase ecomp emod emoji emojicomponent emojimodifier"
    " emojimodifierbase emojipresentation epres ext extendedpictographic"
    " extender extpict graphemebase graphemeextend graphemelink grbase grext"
    " grlink hyphen idc idcompatmathcontinue idcompatmathstart idcontinue"
    " ideo ideographic ids idsb idsbinaryoperator idst idstart"
    " idstrinaryoperator idsu idsunaryoperator loe logicalorderexception"
    " lower lowercase math mcm modifiercombiningmark nchar"
    " noncharactercodepoint oalpha odi ogrext oidc oids olower omath"
    " otheralphabetic otherdefaultignorablecodepoint othergraphemeextend"
    " otheridcontinue otheridstart otherlowercase othermath otheruppercase"
    " oupper patsyn patternsyntax patternwhitespace patws pcm"
    " prependedconcatenationmark qmark quotationmark radical"
    " regionalindicator ri sd sentenceterminal softdotted sterm term"
    " terminalpunctuation uideo unifiedideograph upper uppercase"
    " variationselector vs xidc xidcontinue xids xidstart ";

/*
** Rust's symbolic_name_normalize: drop a leading "is", then spaces, '_',
** '-' and non-ASCII bytes; lower-case ASCII. out holds n + 4 bytes.
*/
static void rx_normalize(const char *s, size_t n, char *out) {
  size_t i = 0, k = 0;
  bool is = n >= 2 && (s[0] | 0x20) == 'i' && (s[1] | 0x20) == 's';
  if (is)
    i = 2;
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '_' || c == '-' || c >= 0x80)
      continue;
    out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  out[k] = 0;
  if (is && k == 1 && out[0] == 'c')
    memcpy(out, "isc", 4);
}

/* Whether word w (of n bytes) occurs in a space-separated list. */
static bool rx_word_in(const char *list, const char *w, size_t n) {
  for (const char *p = list; (p = strstr(p, w)) != NULL; p++)
    if (p > list && p[-1] == ' ' && (p[n] == ' ' || p[n] == 0))
      return true;
  return false;
}

/*
** Finds norm in a table of "Canonical alias..." strings: it matches the
** normalized canonical name or an alias. Returns the entry or NULL.
*/
static const char *rx_table_find(const char *const *tab, size_t n,
                                 const char *norm) {
  size_t len = strlen(norm);
  for (size_t k = 0; k < n; k++) {
    const char *e = tab[k] + (tab[k][0] == '-');
    size_t w = strcspn(e, " ");
    char canon[40];
    if (w < sizeof canon) {
      rx_normalize(e, w, canon);
      if (strcmp(canon, norm) == 0)
        return tab[k];
    }
    if (len && rx_word_in(e + w, norm, len))
      return tab[k];
  }
  return NULL;
}

/* A NUL-terminated arena copy of the first word of a table entry. */
static const char *rx_name(rx *r, const char *e, size_t w) {
  char *c = bdl_rx_alloc(r, w + 1);
  if (c) {
    memcpy(c, e, w);
    c[w] = 0;
  }
  return c;
}

/* The class of a general category given by its table entry. */
static int rx_gc_class(rx *r, const char *e, rx_cv *out) {
  size_t w = strcspn(e, " ");
  static const rx_item lc[] = {RX_P("Lu"), RX_P("Ll"), RX_P("Lt")};
  rx_item one = RX_P(NULL);
  rx_cv a, b;
  if (w == 1 && e[0] == 'C') { /* RE2's \p{C} lacks Cn */
    if (bdl_rx_cv_make(r, &a, false, true, rx_assigned_items, 4) ||
        bdl_rx_cv_make(r, &b, true, true, rx_assigned_items, 10))
      return -1;
    return bdl_rx_cv_union(r, out, &a, &b);
  }
  if (w == 2 && memcmp(e, "LC", 2) == 0)
    return bdl_rx_cv_make(r, out, false, true, lc, 3);
  if (w == 2 && memcmp(e, "Cn", 2) == 0)
    return bdl_rx_cv_make(r, out, true, true, rx_assigned_items, 10);
  if (w == 8 && memcmp(e, "Assigned", 8) == 0)
    return bdl_rx_cv_make(r, out, false, true, rx_assigned_items, 10);
  if (w == 3 && memcmp(e, "Any", 3) == 0)
    return bdl_rx_cv_range(r, out, 0, RX_MAXCP, true);
  if (w == 5 && memcmp(e, "ASCII", 5) == 0)
    return bdl_rx_cv_range(r, out, 0, 0x7F, false);
  one.prop = rx_name(r, e, w);
  return one.prop ? bdl_rx_cv_make(r, out, false, true, &one, 1) : -1;
}

/* A script by normalized name: a Pos term of \p{Script}. */
static int rx_script_class(rx *r, const char *norm, rx_cv *out) {
  const char *e = rx_table_find(rx_scripts, RX_NELEM(rx_scripts), norm);
  rx_item one = RX_P(NULL);
  if (!e)
    return bdl_rx_invalid(r, "unknown Unicode property");
  if (e[0] == '-') {
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode script unknown to RE2");
    return rx_none(out);
  }
  one.prop = rx_name(r, e, strcspn(e, " "));
  return one.prop ? bdl_rx_cv_make(r, out, false, true, &one, 1) : -1;
}

/* A Rust binary property: four we can write out, the rest unsupported. */
static int rx_bool_class(rx *r, const char *norm, rx_cv *out) {
  static const rx_item hex[] = {
      RX_W('0', '9'),       RX_W('A', 'F'),       RX_W('a', 'f'),
      RX_W(0xFF10, 0xFF19), RX_W(0xFF21, 0xFF26), RX_W(0xFF41, 0xFF46),
  };
  static const rx_item join = RX_W(0x200C, 0x200D);
  size_t len = strlen(norm);
  if (rx_word_in(" whitespace space wspace ", norm, len))
    return bdl_rx_cv_make(r, out, false, true, rx_space_items,
                          RX_NELEM(rx_space_items));
  if (rx_word_in(" joincontrol joinc ", norm, len))
    return bdl_rx_cv_make(r, out, false, true, &join, 1);
  if (rx_word_in(" asciihexdigit ahex ", norm, len))
    return bdl_rx_cv_make(r, out, false, true, hex, 3);
  if (rx_word_in(" hexdigit hex ", norm, len))
    return bdl_rx_cv_make(r, out, false, true, hex, 6);
  bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode binary property unsupported");
  return rx_none(out);
}

/*
** Rust's canonical_binary, for \pX and \p{X}: a binary property (but cf,
** sc and lc are general categories), then a general category, a script.
*/
static int rx_prop_binary(rx *r, const char *norm, rx_cv *out) {
  size_t len = strlen(norm);
  const char *e;
  if (len && strcmp(norm, "cf") && strcmp(norm, "sc") && strcmp(norm, "lc") &&
      rx_word_in(rx_bool_props, norm, len))
    return rx_bool_class(r, norm, out);
  e = rx_table_find(rx_gc_names, RX_NELEM(rx_gc_names), norm);
  if (e)
    return rx_gc_class(r, e, out);
  return rx_script_class(r, norm, out);
}

/* Rust's ByValue query, for \p{name=value}, \p{name:value}, \p{n!=v}. */
static int rx_prop_value(rx *r, const char *name, const char *value,
                         rx_cv *out) {
  const char *e;
  size_t len = strlen(name);
  if (!strcmp(name, "gc") || !strcmp(name, "generalcategory")) {
    e = rx_table_find(rx_gc_names, RX_NELEM(rx_gc_names), value);
    return e ? rx_gc_class(r, e, out)
             : bdl_rx_invalid(r, "unknown Unicode property value");
  }
  if (!strcmp(name, "sc") || !strcmp(name, "script"))
    return rx_script_class(r, value, out);
  if (len && rx_word_in(" scx scriptextensions age gcb graphemeclusterbreak"
                        " wb wordbreak sb sentencebreak ",
                        name, len)) {
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "Unicode property unsupported");
    return rx_none(out);
  }
  return bdl_rx_invalid(r, "unknown Unicode property");
}

/*
** Resolves the text of \p{text} (or the letter of \pX): split at "!=",
** else ':', else '=' into a property and a value, as Rust does.
*/
static int rx_prop_lookup(rx *r, const char *text, size_t n, bool one,
                          bool *noteq, rx_cv *out) {
  char a[BDL_REGEX_MAX_PATTERN + 4], b[BDL_REGEX_MAX_PATTERN + 4];
  const char *ne = NULL, *sep = NULL;
  *noteq = false;
  if (memchr(text, 0, n))
    return bdl_rx_invalid(r, "unknown Unicode property");
  if (!one) {
    for (size_t k = 0; k + 1 < n && !ne; k++)
      if (text[k] == '!' && text[k + 1] == '=')
        ne = text + k;
    sep = ne ? ne : memchr(text, ':', n);
    if (!sep)
      sep = memchr(text, '=', n);
  }
  if (!sep) {
    rx_normalize(text, n, a);
    return rx_prop_binary(r, a, out);
  }
  *noteq = ne != NULL;
  rx_normalize(text, (size_t)(sep - text), a);
  sep += ne ? 2 : 1;
  rx_normalize(sep, n - (size_t)(sep - text), b);
  return rx_prop_value(r, a, b, out);
}

/* \p{..}, \pX, \P..: Rust's parse_unicode_class, then the lookup. */
static int rx_unicode_class(rx *r, rx_cv *out) {
  char name[BDL_REGEX_MAX_PATTERN + 4];
  size_t k = 0, w;
  bool neg = bdl_rx_cur(r) == 'P', one = false, noteq;
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "incomplete escape sequence");
  if (bdl_rx_cur(r) == '{') {
    while (bdl_rx_bump2(r) && bdl_rx_cur(r) != '}') {
      bdl_rx_dec(r, r->i, &w);
      memcpy(name + k, r->p + r->i, w);
      k += w;
    }
    if (rx_eof(r))
      return bdl_rx_invalid(r, "incomplete escape sequence");
    bdl_rx_bump(r);
  } else {
    if (bdl_rx_cur(r) == '\\')
      return bdl_rx_invalid(r, "invalid Unicode class");
    bdl_rx_dec(r, r->i, &w);
    memcpy(name, r->p + r->i, w);
    k = w;
    one = true;
    bdl_rx_bump2(r);
  }
  if (rx_prop_lookup(r, name, k, one, &noteq, out))
    return -1;
  if (!(r->fl & FL_UNI))
    return bdl_rx_invalid(r, "Unicode classes need Unicode mode");
  if (neg != noteq && bdl_rx_cv_negate(r, out, out))
    return bdl_rx_cv_recover(r, out);
  return 0;
}

/* \d \s \w and their negations, Unicode-aware unless (?-u). */
static int rx_perl(rx *r, uint32_t c, rx_cv *out) {
  static const rx_item nd = RX_P("Nd");
  bool neg = c < 'a';
  rx_item it = nd;
  c |= 0x20;
  if (!(r->fl & FL_UNI)) {
    if (neg)
      return bdl_rx_invalid(r, "pattern can match invalid UTF-8");
    rx_none(out);
    rx_bits_set(out->b, c == 's' ? 9 : '0', c == 's' ? 13 : '9');
    if (c == 's')
      rx_bits_set(out->b, ' ', ' ');
    if (c == 'w') {
      rx_bits_set(out->b, 'A', 'Z');
      rx_bits_set(out->b, 'a', 'z');
      rx_bits_set(out->b, '_', '_');
    }
    return 0;
  }
  if (c == 'd') {
    it.neg = neg;
    return bdl_rx_cv_make(r, out, false, true, &it, 1);
  }
  if (c == 's')
    return neg ? bdl_rx_cv_make(r, out, false, true, rx_nonspace_items,
                                RX_NELEM(rx_nonspace_items))
               : bdl_rx_cv_make(r, out, false, true, rx_space_items,
                                RX_NELEM(rx_space_items));
  return bdl_rx_cv_make(r, out, neg, true, rx_word_items,
                        RX_NELEM(rx_word_items));
}

/* ============================================================ escapes */

static int rx_hexval(uint32_t c) {
  if (c >= '0' && c <= '9')
    return (int)(c - '0');
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (int)((c | 0x20) - 'a' + 10);
  return -1;
}

/* \xHH, \uHHHH, \UHHHHHHHH and \x{..}: Rust's parse_hex. */
static int rx_hex(rx *r, rx_prim *pr) {
  uint32_t kind = bdl_rx_cur(r), v = 0, digits = 0;
  uint32_t nd = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
  bool over = false;
  pr->kind = PR_LIT;
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "incomplete escape sequence");
  if (bdl_rx_cur(r) == '{') {
    while (bdl_rx_bump2(r) && bdl_rx_cur(r) != '}') {
      int d = rx_hexval(bdl_rx_cur(r));
      if (d < 0)
        return bdl_rx_invalid(r, "invalid hex digit");
      over = over || v > RX_MAXCP;
      v = over ? v : v * 16 + (uint32_t)d;
      digits++;
    }
    if (rx_eof(r))
      return bdl_rx_invalid(r, "incomplete escape sequence");
    bdl_rx_bump2(r);
    if (digits == 0)
      return bdl_rx_invalid(r, "empty hex escape");
  } else {
    for (uint32_t k = 0; k < nd; k++) {
      int d = k > 0 && !bdl_rx_bump2(r) ? -2 : rx_hexval(bdl_rx_cur(r));
      if (d < 0)
        return bdl_rx_invalid(r, d == -2 ? "incomplete escape sequence"
                                         : "invalid hex digit");
      v = v * 16 + (uint32_t)d;
    }
    bdl_rx_bump2(r);
    pr->xbyte = kind == 'x';
  }
  if (over || v > RX_MAXCP || (v >= 0xD800 && v <= 0xDFFF))
    return bdl_rx_invalid(r, "invalid Unicode scalar value");
  pr->c = v;
  return 0;
}

/* \b{start} and friends: valid Rust, but RE2 has no such assertions. */
static int rx_wb_special(rx *r) {
  size_t save = r->i, k = 0;
  char w[16];
  if (!bdl_rx_bump2(r))
    return bdl_rx_invalid(r, "incomplete special word boundary");
  if (!(((bdl_rx_cur(r) | 0x20) >= 'a' && (bdl_rx_cur(r) | 0x20) <= 'z') ||
        bdl_rx_cur(r) == '-')) {
    r->i = save; /* a counted repetition of \b */
    return 0;
  }
  while (!rx_eof(r) &&
         (((bdl_rx_cur(r) | 0x20) >= 'a' && (bdl_rx_cur(r) | 0x20) <= 'z') ||
          bdl_rx_cur(r) == '-')) {
    w[k < 15 ? k++ : k] = (char)bdl_rx_cur(r);
    bdl_rx_bump2(r);
  }
  w[k] = 0;
  if (rx_eof(r) || bdl_rx_cur(r) != '}')
    return bdl_rx_invalid(r, "unclosed special word boundary");
  bdl_rx_bump(r);
  if (!strcmp(w, "start") || !strcmp(w, "end") || !strcmp(w, "start-half") ||
      !strcmp(w, "end-half")) {
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED, "special word boundary unsupported");
    return 0;
  }
  return bdl_rx_invalid(r, "unrecognized special word boundary");
}

/* The letter escapes that are assertions. */
static int rx_escape_assert(rx *r, uint32_t c, rx_prim *pr) {
  bool uni = r->fl & FL_UNI;
  pr->kind = PR_ASSERT;
  switch (c) {
  case 'A':
    pr->as = "\\A";
    return 0;
  case 'z':
    pr->as = "\\z";
    return 0;
  case 'b':
    pr->as = "\\b";
    r->wb |= uni ? WB_UNI : WB_ASC_b;
    return !rx_eof(r) && bdl_rx_cur(r) == '{' ? rx_wb_special(r) : 0;
  case 'B':
    pr->as = "\\B";
    r->wb |= uni ? WB_UNI : WB_ASC_B;
    return 0;
  case '<':
  case '>':
    pr->as = "\\b";
    bdl_rx_soft(r, BDL_REGEX_UNSUPPORTED,
                "word start/end assertion unsupported");
    return 0;
  }
  return bdl_rx_invalid(r, "unrecognized escape sequence");
}

/* After a backslash: Rust's parse_escape. */
int bdl_rx_escape(rx *r, rx_prim *pr) {
  static const char special[] = "a\007f\014t\011n\012r\015v\013";
  uint32_t c;
  memset(pr, 0, sizeof *pr);
  if (!bdl_rx_bump(r))
    return bdl_rx_invalid(r, "incomplete escape sequence");
  c = bdl_rx_cur(r);
  if (c >= '0' && c <= '9')
    return bdl_rx_invalid(r, "backreferences are not supported");
  if (c == 'x' || c == 'u' || c == 'U')
    return rx_hex(r, pr);
  pr->kind = PR_CLASS;
  if (c == 'p' || c == 'P')
    return rx_unicode_class(r, &pr->cv);
  if ((c | 0x20) == 'd' || (c | 0x20) == 's' || (c | 0x20) == 'w') {
    bdl_rx_bump(r);
    return rx_perl(r, c, &pr->cv);
  }
  bdl_rx_bump(r);
  pr->kind = PR_LIT;
  pr->c = c;
  if (c < 0x80 && !rx_is_alnum(c) && c != '<' && c != '>')
    return 0; /* a meta or superfluous escape */
  for (size_t k = 0; k + 1 < sizeof special; k += 2)
    if (c == (unsigned char)special[k]) {
      pr->c = (unsigned char)special[k + 1];
      return 0;
    }
  return rx_escape_assert(r, c, pr);
}
