/* Tells whether a program can be seen by a preloaded library at all:
 * static and Go binaries make their system calls without libc; and which
 * TLS stacks it uses that the shim's TLS rules do not reach. */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* ---- TLS stacks: the libraries a program needs (DT_NEEDED) and whether
 * it carries OpenSSL inside (defines SSL_read itself), read from the
 * section headers. */

#define TABLE_LIMIT (64u << 20) /* a bigger symbol table is not one we read */

struct section_view {
	uint32_t type;
	uint32_t link;
	uint64_t offset;
	uint64_t size;
	uint64_t entsize;
};

struct elf_view {
	int fd;
	bool is64;
	uint64_t shoff;
	unsigned shnum, shentsize;
};

static bool open_view(const char *path, struct elf_view *v)
{
	unsigned char ident[EI_NIDENT];

	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0)
		return false;
	if (!read_at(v->fd, ident, sizeof(ident), 0) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0 ||
	    (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64))
		goto fail;
	v->is64 = ident[EI_CLASS] == ELFCLASS64;
	if (v->is64) {
		Elf64_Ehdr h;
		if (!read_at(v->fd, &h, sizeof(h), 0))
			goto fail;
		v->shoff = h.e_shoff, v->shnum = h.e_shnum, v->shentsize = h.e_shentsize;
	} else {
		Elf32_Ehdr h;
		if (!read_at(v->fd, &h, sizeof(h), 0))
			goto fail;
		v->shoff = h.e_shoff, v->shnum = h.e_shnum, v->shentsize = h.e_shentsize;
	}
	if (v->shentsize == (v->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		return true;
fail:
	close(v->fd);
	return false;
}

static bool read_shdr(const struct elf_view *v, unsigned i,
		      struct section_view *out)
{
	uint64_t at = v->shoff + (uint64_t)i * v->shentsize;

	if (i >= v->shnum)
		return false;
	if (v->is64) {
		Elf64_Shdr h;
		if (!read_at(v->fd, &h, sizeof(h), at))
			return false;
		*out = (struct section_view){h.sh_type, h.sh_link, h.sh_offset,
					     h.sh_size, h.sh_entsize};
	} else {
		Elf32_Shdr h;
		if (!read_at(v->fd, &h, sizeof(h), at))
			return false;
		*out = (struct section_view){h.sh_type, h.sh_link, h.sh_offset,
					     h.sh_size, h.sh_entsize};
	}
	return true;
}

/* A whole section in memory, NUL-terminated; NULL when it cannot be. */
static char *load_section(const struct elf_view *v,
			  const struct section_view *sec)
{
	char *buf;

	if (sec->size > TABLE_LIMIT || !(buf = malloc(sec->size + 1)))
		return NULL;
	if (!read_at(v->fd, buf, sec->size, sec->offset)) {
		free(buf);
		return NULL;
	}
	buf[sec->size] = '\0';
	return buf;
}

/* Names of the libraries that mean a stack the shim does not see. */
static const struct {
	const char *prefix;
	unsigned stack;
} unseen_libraries[] = {
	{"libgnutls.so", CS_TLS_GNUTLS},
	{"libnss3.so", CS_TLS_NSS},
	{"libssl3.so", CS_TLS_NSS},
};

static unsigned needed_stacks(const struct elf_view *v,
			      const struct section_view *dyn)
{
	struct section_view strtab;
	size_t entsize = v->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	unsigned stacks = 0;
	char *dyns, *strs;

	if (!read_shdr(v, dyn->link, &strtab) || !(dyns = load_section(v, dyn)))
		return 0;
	if (!(strs = load_section(v, &strtab))) {
		free(dyns);
		return 0;
	}
	for (uint64_t at = 0; at + entsize <= dyn->size; at += entsize) {
		int64_t tag;
		uint64_t value;
		if (v->is64) {
			Elf64_Dyn d;
			memcpy(&d, dyns + at, sizeof(d));
			tag = d.d_tag, value = d.d_un.d_val;
		} else {
			Elf32_Dyn d;
			memcpy(&d, dyns + at, sizeof(d));
			tag = d.d_tag, value = d.d_un.d_val;
		}
		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED || value >= strtab.size)
			continue;
		for (size_t i = 0; i < sizeof(unseen_libraries) / sizeof(unseen_libraries[0]); i++)
			if (strncmp(strs + value, unseen_libraries[i].prefix,
				    strlen(unseen_libraries[i].prefix)) == 0)
				stacks |= unseen_libraries[i].stack;
	}
	free(strs);
	free(dyns);
	return stacks;
}

/* A program that defines SSL_read itself carries OpenSSL inside (node):
 * its own calls never reach an interposer. */
static bool defines_ssl_read(const struct elf_view *v,
			     const struct section_view *dynsym)
{
	struct section_view strtab;
	size_t entsize = v->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	bool found = false;
	char *syms, *strs;

	if (dynsym->entsize != entsize || !read_shdr(v, dynsym->link, &strtab) ||
	    !(syms = load_section(v, dynsym)))
		return false;
	if (!(strs = load_section(v, &strtab))) {
		free(syms);
		return false;
	}
	for (uint64_t at = 0; !found && at + entsize <= dynsym->size; at += entsize) {
		uint64_t name;
		unsigned shndx;
		if (v->is64) {
			Elf64_Sym sym;
			memcpy(&sym, syms + at, sizeof(sym));
			name = sym.st_name, shndx = sym.st_shndx;
		} else {
			Elf32_Sym sym;
			memcpy(&sym, syms + at, sizeof(sym));
			name = sym.st_name, shndx = sym.st_shndx;
		}
		found = shndx != SHN_UNDEF && name < strtab.size &&
			strcmp(strs + name, "SSL_read") == 0;
	}
	free(strs);
	free(syms);
	return found;
}

unsigned cs_ctl_unseen_tls(const char *path)
{
	struct elf_view v;
	struct section_view sec;
	unsigned stacks = 0;

	if (!open_view(path, &v))
		return 0;
	for (unsigned i = 0; i < v.shnum && read_shdr(&v, i, &sec); i++) {
		if (sec.type == SHT_DYNAMIC)
			stacks |= needed_stacks(&v, &sec);
		else if (sec.type == SHT_DYNSYM && defines_ssl_read(&v, &sec))
			stacks |= CS_TLS_OPENSSL_INSIDE;
	}
	close(v.fd);
	return stacks;
}
