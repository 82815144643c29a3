/*
** tide-guard: runs one command for one tide.exec attempt and makes sure that nothing the command
** started outlives the attempt, even when tide itself is killed.
**
**   tide-guard PARENT_PID PROGRAM [ARG...]
**
** The guard is what tide spawns; PROGRAM is its only child, started once tide sends SIGCONT. Once
** the guard has blocked SIGCONT it ignores SIGUSR2, which tide sees in /proc/PID/status (SigIgn;
** SigBlk would not do: while a process waits in sigwaitinfo, Linux shows the waited signals as not
** blocked); tide then records the guard in its store and sends SIGCONT, so that what runs is on
** record before it runs. It
**  - is a child subreaper (PR_SET_CHILD_SUBREAPER): a descendant whose parent exits, even one that
**    left the process group with setsid or forked twice, is re-parented to the guard, not to init;
**  - asks for SIGUSR1 when the thread that spawned it exits (PR_SET_PDEATHSIG). Linux sends it when
**    the spawning *thread* ends, so the guard checks that its parent process is really gone
**    (getppid() no longer PARENT_PID) before acting on it: it follows the process, not the thread;
**  - when PROGRAM exits, kills every descendant left (SIGKILL), reaps them, and exits as PROGRAM
**    did (the same code, or the same signal);
**  - on SIGTERM (tide ends the attempt: a timeout, a cancellation) or when tide is gone, kills
**    PROGRAM and every descendant, reaps them, and ends by SIGKILL.
** PROGRAM stays in the guard's process group (tide's last resort kills that group) and dies with
** the guard (PR_SET_PDEATHSIG, SIGKILL; the guard has one thread, so that follows the guard).
** Descendants are found by walking /proc (every process whose chain of parents leads to the
** guard), repeated until none is left: a process that forks while it is being killed leaves
** orphans, which come back to the guard as its children.
**
** Written in C, not Swift: it runs between fork and exec of every tide.exec child and must start
** in well under a millisecond, with no runtime to load. It uses only libc and the kernel's procfs.
*/
#ifndef __linux__
/* The guard needs Linux (PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, /proc); elsewhere tide runs
   children without it. */
#include <stdio.h>
int main(void) {
    fprintf(stderr, "tide-guard: needs Linux; tide runs children without it on this system\n");
    return 125;
}
#else
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The parent of pid, read from /proc/pid/stat; -1 if it is gone. */
static pid_t tide_parent_of(pid_t pid) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return -1;
    size_t length = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    buffer[length] = '\0';
    char *end = strrchr(buffer, ')');  /* the command name may hold spaces and parentheses */
    if (end == NULL) return -1;
    char state;
    int parent;
    if (sscanf(end + 1, " %c %d", &state, &parent) != 2) return -1;
    return (pid_t)parent;
}

/*
** Sends SIGKILL to every process whose chain of parents reaches `root` (not to root itself).
** Returns how many were sent the signal.
*/
static int tide_kill_descendants(pid_t root) {
    enum { MAX_PROCESSES = 65536 };
    static pid_t pids[MAX_PROCESSES], parents[MAX_PROCESSES];
    int count = 0;
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL && count < MAX_PROCESSES) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        pid_t parent = tide_parent_of((pid_t)pid);
        if (parent < 0) continue;
        pids[count] = (pid_t)pid;
        parents[count] = parent;
        count++;
    }
    closedir(proc);
    /* Mark descendants: repeat until no new process joins (parents may come after children). */
    static char marked[MAX_PROCESSES];
    memset(marked, 0, (size_t)count);
    int changed = 1, killed = 0;
    while (changed) {
        changed = 0;
        for (int i = 0; i < count; i++) {
            if (marked[i]) continue;
            int under = parents[i] == root;
            for (int j = 0; !under && j < count; j++) under = marked[j] && pids[j] == parents[i];
            if (under) {
                marked[i] = 1;
                changed = 1;
            }
        }
    }
    for (int i = 0; i < count; i++) {
        if (marked[i] && kill(pids[i], SIGKILL) == 0) killed++;
    }
    return killed;
}

/* Kills everything below the guard and reaps it, until nothing is left. */
static void tide_clear(pid_t self) {
    for (int round = 0; round < 100; round++) {
        int killed = tide_kill_descendants(self);
        int reaped = 0;
        while (waitpid(-1, NULL, WNOHANG) > 0) reaped++;
        if (killed == 0 && reaped == 0) {
            errno = 0;
            if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) return;
            usleep(1000);  /* a child killed but not yet a zombie */
        }
    }
}

/* Ends the guard by `signal_number`, as the command was ended. */
static void tide_die_by(int signal_number) {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);  /* the command may have dumped core; the guard does not */
    signal(signal_number, SIG_DFL);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    kill(getpid(), signal_number);
    _exit(128 + signal_number);
}

/* Ends the guard as `status` (a waitpid status) says: the same code, or the same signal. */
static void tide_exit_like(int status) {
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    tide_die_by(WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "tide-guard: usage: tide-guard PARENT_PID PROGRAM [ARG...] (tide runs this for tide.exec)\n");
        return 125;
    }
    pid_t parent = (pid_t)strtol(argv[1], NULL, 10);
    pid_t self = getpid();
    sigset_t watched, previous;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGUSR1);
    sigaddset(&watched, SIGHUP);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGCONT);
    sigprocmask(SIG_BLOCK, &watched, &previous);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    if (getppid() != parent) return 125;  /* tide died before the guard could watch for it */

    /* Ready: SIGCONT stays pending from now on. Then wait for tide's go; an end or tide's death
       before it runs nothing. */
    signal(SIGUSR2, SIG_IGN);
    for (;;) {
        siginfo_t info;
        if (sigwaitinfo(&watched, &info) < 0) continue;
        if (info.si_signo == SIGCONT) break;
        if (info.si_signo == SIGTERM || (info.si_signo == SIGUSR1 && getppid() != parent)) tide_die_by(SIGKILL);
    }
    sigdelset(&watched, SIGCONT);

    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "tide-guard: cannot start '%s': %s\n", argv[2], strerror(errno));
        return 126;
    }
    if (child == 0) {
        signal(SIGUSR2, SIG_DFL);
        /* The guard is single-threaded: this follows the guard itself. The command dies with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGPIPE, SIG_DFL);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        execv(argv[2], argv + 2);
        int error = errno;
        fprintf(stderr, "tide-guard: cannot run '%s': %s\n", argv[2], strerror(error));
        _exit(error == ENOENT ? 127 : 126);
    }

    for (;;) {
        siginfo_t info;
        if (sigwaitinfo(&watched, &info) < 0) continue;
        switch (info.si_signo) {
        case SIGCHLD: {
            int status;
            pid_t done;
            while ((done = waitpid(-1, &status, WNOHANG)) > 0) {
                if (done == child) {
                    tide_clear(self);
                    tide_exit_like(status);
                }
            }
            break;
        }
        case SIGUSR1:
            if (getppid() == parent) break;  /* only the spawning thread ended; tide lives on */
            /* fall through: tide is gone */
        case SIGTERM:
            tide_clear(self);
            tide_die_by(SIGKILL);
            break;
        default:
            break;  /* SIGHUP, SIGINT: the attempt's end is tide's to decide */
        }
    }
}
#endif
