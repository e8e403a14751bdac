/* unit.h - shared includes of the cmocka unit tests. */
#ifndef CSGW_TESTS_UNIT_H
#define CSGW_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#endif
