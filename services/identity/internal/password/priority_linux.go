package password

import (
	"syscall"
	"unsafe"
)

// schedIdle is Linux's SCHED_IDLE policy (sched.h): the thread runs only on a CPU that
// no normal thread wants, and a normal thread that wakes up preempts it at once.
const schedIdle = 5

// lowerThisThread moves the calling OS thread to SCHED_IDLE (Linux schedules threads, so
// this applies to that thread only; an unprivileged process may always lower itself).
// Where that is refused (a seccomp profile) it falls back to niceness backgroundNice,
// and failing that leaves the thread as it was: bcrypt still runs, only without yielding.
func lowerThisThread() {
	var param struct{ priority int32 } // sched_param; must be 0 for SCHED_IDLE
	tid := uintptr(syscall.Gettid())
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, tid, schedIdle, uintptr(unsafe.Pointer(&param))); errno == 0 {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, int(tid), backgroundNice)
}
