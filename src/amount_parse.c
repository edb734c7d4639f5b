/* amount_parse.c: placeholder, being written */
typedef int cbl_placeholder_amount_parse;
