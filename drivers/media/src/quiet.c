/*
 * quiet.c - keeps libspandsp's stray debug output off the process's stdout.
 *
 * Debian's libspandsp2 0.0.6+dfsg builds echo.c with two debugging printf() calls left in
 * echo_can_update(): "echo is %d" and "Narrowband score %4d %5d at %d", executed for every
 * sample (16 000 lines per second per canceller). With _FORTIFY_SOURCE they reach libc as
 * __printf_chk through libspandsp's own PLT. The engine runs inside the gateway's Node process,
 * whose stdout carries logs, so redirecting fd 1 is not an option; and libspandsp.a is not built
 * as PIC, so the library cannot be linked statically with --wrap either.
 *
 * What is done: once, before the first canceller exists, the engine finds libspandsp in the
 * loaded objects (dl_iterate_phdr), walks its PLT relocations (DT_JMPREL) and GOT relocations
 * (DT_RELA, for -fno-plt builds) and points libspandsp's slots for the stdout printers
 * (__printf_chk, printf, puts, putchar, vprintf, __vprintf_chk) at a sink that only counts.
 * Only libspandsp's references change: every other object in the process keeps the real
 * functions, and the formatting cost (two printf per sample) disappears as well. The count is
 * the global counter spandsp_stdout_suppressed. A build of spandsp without these calls simply
 * has nothing to rebind.
 */
#include "internal.h"

#include <elf.h>
#include <stdarg.h>
#include <link.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

static atomic_uint_fast64_t suppressed;
static int patched_once;
static pthread_mutex_t quiet_lock = PTHREAD_MUTEX_INITIALIZER;

static int sink_printf_chk(int flag, const char *fmt, ...) { (void) flag; (void) fmt; atomic_fetch_add(&suppressed, 1); return 0; }
static int sink_printf(const char *fmt, ...) { (void) fmt; atomic_fetch_add(&suppressed, 1); return 0; }
static int sink_puts(const char *s) { (void) s; atomic_fetch_add(&suppressed, 1); return 0; }
static int sink_putchar(int c) { atomic_fetch_add(&suppressed, 1); return c; }
static int sink_vprintf(const char *fmt, va_list ap) { (void) fmt; (void) ap; atomic_fetch_add(&suppressed, 1); return 0; }
static int sink_vprintf_chk(int flag, const char *fmt, va_list ap) { (void) flag; (void) fmt; (void) ap; atomic_fetch_add(&suppressed, 1); return 0; }

static void *sink_for(const char *name)
{
    if (strcmp(name, "__printf_chk") == 0) return (void *) sink_printf_chk;
    if (strcmp(name, "printf") == 0) return (void *) sink_printf;
    if (strcmp(name, "puts") == 0) return (void *) sink_puts;
    if (strcmp(name, "putchar") == 0) return (void *) sink_putchar;
    if (strcmp(name, "vprintf") == 0) return (void *) sink_vprintf;
    if (strcmp(name, "__vprintf_chk") == 0) return (void *) sink_vprintf_chk;
    return NULL;
}

static int write_slot(void **slot, void *value, const struct dl_phdr_info *info)
{
    uintptr_t page = (uintptr_t) slot & ~((uintptr_t) sysconf(_SC_PAGESIZE) - 1u);
    int relro = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_GNU_RELRO) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
            if ((uintptr_t) slot >= lo && (uintptr_t) slot < hi) relro = 1;
        }
    }
    if (relro && mprotect((void *) page, (size_t) sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE) != 0)
        return -1;
    *slot = value;
    if (relro) mprotect((void *) page, (size_t) sysconf(_SC_PAGESIZE), PROT_READ);
    return 0;
}

static uintptr_t dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) v)
{
    /* glibc rewrites most d_ptr entries to absolute addresses in place; others stay relative. */
    return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

static void patch_relocs(const struct dl_phdr_info *info, const ElfW(Rela) *rel, size_t count,
                         const ElfW(Sym) *symtab, const char *strtab, int *patched)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t type = (uint32_t) ELF64_R_TYPE(rel[i].r_info);
        if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
        const ElfW(Sym) *sym = &symtab[ELF64_R_SYM(rel[i].r_info)];
        void *sink = sink_for(strtab + sym->st_name);
        if (sink == NULL) continue;
        if (write_slot((void **) (info->dlpi_addr + rel[i].r_offset), sink, info) == 0) (*patched)++;
    }
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void) size;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libspandsp.so") == NULL) return 0;
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *) (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    if (dyn == NULL) return 0;
    uintptr_t jmprel = 0, rela = 0, symtab = 0, strtab = 0;
    size_t pltrelsz = 0, relasz = 0;
    for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_JMPREL: jmprel = dyn_ptr(info, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
        case DT_RELA: rela = dyn_ptr(info, d->d_un.d_ptr); break;
        case DT_RELASZ: relasz = d->d_un.d_val; break;
        case DT_SYMTAB: symtab = dyn_ptr(info, d->d_un.d_ptr); break;
        case DT_STRTAB: strtab = dyn_ptr(info, d->d_un.d_ptr); break;
        default: break;
        }
    }
    if (symtab == 0 || strtab == 0) return 0;
    int *patched = data;
    if (jmprel != 0)
        patch_relocs(info, (const ElfW(Rela) *) jmprel, pltrelsz / sizeof(ElfW(Rela)),
                     (const ElfW(Sym) *) symtab, (const char *) strtab, patched);
    if (rela != 0)
        patch_relocs(info, (const ElfW(Rela) *) rela, relasz / sizeof(ElfW(Rela)),
                     (const ElfW(Sym) *) symtab, (const char *) strtab, patched);
    return 1;
}

/* Returns the number of slots rebound (0 when this spandsp build has no stdout printers). */
int sipt_quiet_spandsp(void)
{
    static int result;
    pthread_mutex_lock(&quiet_lock);
    if (!patched_once) {
        int patched = 0;
        dl_iterate_phdr(visit, &patched);
        result = patched;
        patched_once = 1;
    }
    pthread_mutex_unlock(&quiet_lock);
    return result;
}

uint64_t sipt_quiet_count(void) { return (uint64_t) atomic_load(&suppressed); }
