// The smallest program to exec: static, no libc, exits 0 at once. `guard-bench exec` spawns it so that the
// figure is the exec and the guard's question, not a dynamic loader (which the preload library would join).
void _start(void) {
#if defined(__x86_64__)
    __asm__ volatile("mov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall" ::: "rax", "rdi", "memory");
#elif defined(__aarch64__)
    __asm__ volatile("mov x8, #93\n\tmov x0, #0\n\tsvc #0" ::: "x0", "x8", "memory");
#else
#error "exit-static: add the exit system call for this architecture"
#endif
    __builtin_unreachable();
}
