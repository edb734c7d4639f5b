/* amount_agg.c: placeholder, being written */
typedef int cbl_placeholder_amount_agg;
