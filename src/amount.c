/* amount.c: placeholder, being written */
typedef int cbl_placeholder_amount;
