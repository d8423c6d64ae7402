/*
 * What the path syscalls share (scheme_call.c): a user's path resolved for the caller, stat by path with the
 * fallback for schemes without a stat, open, and /scheme itself (the list of the schemes the caller can see).
 */
#ifndef WREN_SCHEME_SCHEME_CALL_H
#define WREN_SCHEME_SCHEME_CALL_H

#include "fs/path.h"
#include "scheme/scheme.h"

/* path_from_user (the caller's current directory in front of a relative path) into buf (PATH_BUF_SIZE bytes),
 * then scheme_resolve. */
long scheme_resolve_user(char *buf, user_in_buf path, struct scheme_target *t);

/* Describe the target (st zeroed): the scheme's stat, or for a scheme without one open for reading, fstat and
 * close; /scheme is a directory whose size is the number of schemes the caller sees. */
long scheme_target_stat(const struct scheme_target *t, struct wren_stat *st);

/* What fstat reports of an open object (st zeroed): the type and open flags it has, then its own fstat. */
long scheme_object_stat(struct kobject *o, struct wren_stat *st);

/* Open the target with WREN_OPEN_* flags (checked): 0 and one reference in *out, or E_* (E_ISDIR for /scheme). */
long scheme_target_open(const struct scheme_target *t, uint32_t flags, struct kobject **out);

/* Entry `index` of /scheme: the index-th scheme the caller can see, as a directory (d zeroed); -E_NOENT past the
 * last. */
long scheme_list_entry(uint64_t index, struct wren_dirent *d);

/* The target as one canonical absolute path with no trailing '/' ("/bin", "/scheme/sys/proc", "/scheme") in out
 * (PATH_BUF_SIZE bytes, NUL-terminated): its length, or -E_NAMETOOLONG. */
long scheme_target_absolute(const struct scheme_target *t, char *out);

#endif
