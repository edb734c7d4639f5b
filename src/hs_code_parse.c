/* hs_code_parse.c: placeholder, being written */
typedef int cbl_placeholder_hs_code_parse;
