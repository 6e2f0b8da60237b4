/*
 * rt_main.c: the round-trip test over recorded responses.  Unlike the
 * fuzz replay, every file must parse.  Arguments: files or directories.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "roundtrip.h"

static unsigned ok, bad;

static void
one(const char *path)
{
	static uint8_t buf[65536];
	char why[512];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		perror(path);
		bad++;
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	int rc = roundtrip_check(buf, n, why, sizeof(why));
	if (rc == 0) {
		ok++;
		return;
	}
	bad++;
	printf("FAIL %s: %s\n", path, rc > 0 ? "does not parse" : why);
}

static void
walk(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];

	if (stat(path, &st) != 0) {
		perror(path);
		bad++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		one(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		bad++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		walk(sub);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		walk(argv[i]);
	printf("%u messages round-tripped, %u failed\n", ok, bad);
	return (bad == 0 && ok > 0) ? 0 : 1;
}
