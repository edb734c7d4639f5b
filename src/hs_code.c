/* hs_code.c: placeholder, being written */
typedef int cbl_placeholder_hs_code;
