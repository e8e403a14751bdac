/*
 * test_transfer.c - which remote names fetch may use, and the download
 * writer under injected faults.  Names a real OpenSSH server can list are
 * tested against it in tests/cli/transfer.bats; a name with '/' (such as
 * "../evil") only a hostile server can send, so it is checked here.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/transfer.h"
#include "io/fs.h"

static void remote_names(void **state)
{
	static const struct {
		const char *name;
		size_t len; /* 0: strlen */
		bool safe;
	} cases[] = {
	    {"referral 1.xml", 0, true},
	    {"NDNH_W4.20261124.txt", 0, true},
	    {"caf\xc3\xa9.xml", 0, true}, /* UTF-8 is fine */
	    {"../evil", 0, false},
	    {"..", 0, false},
	    {"a..b", 0, false},
	    {"dir/file", 0, false},
	    {"/etc/passwd", 0, false},
	    {"new\nline", 0, false},
	    {"tab\there", 0, false},
	    {"esc\x1b[0m", 0, false},
	    {"del\x7f", 0, false},
	    {".hidden", 0, false},
	    {"", 0, false},
	    {"nul\0inside", 10, false}, /* the server sent 10 bytes */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].name);
		if (transfer_name_safe(cases[i].name, len) != cases[i].safe)
			fail_msg("case %zu: expected %s", i, cases[i].safe ? "safe" : "refused");
	}
}

static long enospc_write(int fd, const void *buf, size_t n)
{
	(void)fd, (void)buf, (void)n;
	errno = ENOSPC;
	return -1;
}

static long short_write(int fd, const void *buf, size_t n)
{
	return (long)write(fd, buf, n > 3 ? 3 : n);
}

/* fs_pwrite_all writes everything at the offset through short writes,
 * and reports a full disk. */
static void pwrite_all_at_offset(void **state)
{
	char path[] = "/tmp/csgw-unit-pwrite-XXXXXX", got[16] = "";
	int fd = mkstemp(path);
	(void)state;
	assert_true(fd >= 0);
	fs_sys.write = short_write;
	assert_int_equal(fs_pwrite_all(fd, "0123456789", 10, 0), 0);
	assert_int_equal(fs_pwrite_all(fd, "abcdef", 6, 4), 0);
	assert_int_equal(pread(fd, got, sizeof got, 0), 10);
	assert_memory_equal(got, "0123abcdef", 10);
	fs_sys.write = enospc_write;
	assert_int_equal(fs_pwrite_all(fd, "x", 1, 10), -1);
	assert_int_equal(errno, ENOSPC);
	fs_sys.write = NULL;
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remote_names),
	    cmocka_unit_test(pwrite_all_at_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
