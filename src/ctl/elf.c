/* Tells whether a program can be seen by a preloaded library at all:
 * static and Go binaries make their system calls without libc. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define NOTE_LIMIT 65536 /* notes are small; a bigger segment is not ours */
#define GO_NOTE_TYPE 4   /* the Go linker's build id note */

/* One program header, whatever the class of the file. */
struct segment_view {
	uint32_t type;
	uint64_t offset;
	uint64_t size;
};

static bool read_at(int fd, void *buf, size_t len, uint64_t offset)
{
	return pread(fd, buf, len, (off_t)offset) == (ssize_t)len;
}

static bool read_phdr(int fd, bool is64, uint64_t offset,
		      struct segment_view *out)
{
	if (is64) {
		Elf64_Phdr p;
		if (!read_at(fd, &p, sizeof(p), offset))
			return false;
		*out = (struct segment_view){p.p_type, p.p_offset, p.p_filesz};
	} else {
		Elf32_Phdr p;
		if (!read_at(fd, &p, sizeof(p), offset))
			return false;
		*out = (struct segment_view){p.p_type, p.p_offset, p.p_filesz};
	}
	return true;
}

static bool has_go_note(int fd, const struct segment_view *seg)
{
	static unsigned char buf[NOTE_LIMIT];
	size_t pos = 0, size = seg->size;

	if (size > sizeof(buf) || !read_at(fd, buf, size, seg->offset))
		return false;
	/* Name and description are padded to 4 bytes in both classes. */
	while (pos + sizeof(Elf32_Nhdr) <= size) {
		Elf32_Nhdr n;
		memcpy(&n, buf + pos, sizeof(n));
		pos += sizeof(n);
		size_t name_len = (n.n_namesz + 3u) & ~3u;
		size_t desc_len = (n.n_descsz + 3u) & ~3u;
		if (name_len > size - pos || desc_len > size - pos - name_len)
			return false;
		/* The Go linker writes the name padded, "Go\0\0", in namesz. */
		if (n.n_type == GO_NOTE_TYPE &&
		    (n.n_namesz == 3 || n.n_namesz == 4) &&
		    memcmp(buf + pos, "Go", 3) == 0)
			return true;
		pos += name_len + desc_len;
	}
	return false;
}

enum cs_ctl_binary cs_ctl_inspect_binary(const char *path)
{
	enum cs_ctl_binary kind = CS_BINARY_DYNAMIC;
	unsigned char ident[EI_NIDENT];
	uint64_t phoff;
	unsigned phnum, phentsize;
	bool is64, interp = false, go = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kind;
	/* Anything unexpected means "not something we can judge": no warning. */
	if (!read_at(fd, ident, sizeof(ident), 0) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0 ||
	    (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64))
		goto out;
	is64 = ident[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr h;
		if (!read_at(fd, &h, sizeof(h), 0))
			goto out;
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	} else {
		Elf32_Ehdr h;
		if (!read_at(fd, &h, sizeof(h), 0))
			goto out;
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	}
	if (phnum == 0 || phentsize != (is64 ? sizeof(Elf64_Phdr)
					     : sizeof(Elf32_Phdr)))
		goto out;
	for (unsigned i = 0; i < phnum; i++) {
		struct segment_view seg;
		if (!read_phdr(fd, is64, phoff + (uint64_t)i * phentsize, &seg))
			goto out;
		if (seg.type == PT_INTERP)
			interp = true;
		else if (seg.type == PT_NOTE && !go)
			go = has_go_note(fd, &seg);
	}
	kind = go ? CS_BINARY_GO : interp ? CS_BINARY_DYNAMIC : CS_BINARY_STATIC;
out:
	close(fd);
	return kind;
}
