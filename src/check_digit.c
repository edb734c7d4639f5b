/* check_digit.c: placeholder, being written */
typedef int cbl_placeholder_check_digit;
