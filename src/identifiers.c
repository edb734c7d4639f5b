/* identifiers.c: placeholder, being written */
typedef int cbl_placeholder_identifiers;
