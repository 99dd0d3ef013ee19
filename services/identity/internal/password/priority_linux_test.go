package password

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// threadSched reads the calling thread's niceness and scheduling policy (fields 19 and
// 41 of /proc/thread-self/stat; the command name before them may hold spaces, so count
// from the closing parenthesis).
func threadSched(t *testing.T) (nice, policy int) {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	nice, err1 := strconv.Atoi(fields[19-3]) // fields[0] is field 3
	policy, err2 := strconv.Atoi(fields[41-3])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return nice, policy
}

func TestBcryptRunsAtBackgroundPriorityOnItsOwnThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	beforeNice, beforePolicy := threadSched(t)
	callerTID := syscall.Gettid()

	var nice, policy, tid int
	lowPriority(func() { nice, policy = threadSched(t); tid = syscall.Gettid() })
	if policy != schedIdle {
		t.Errorf("bcrypt thread policy = %d (nice %d), want SCHED_IDLE (%d)", policy, nice, schedIdle)
	}
	if tid == callerTID {
		t.Error("bcrypt ran on the caller's thread")
	}
	if afterNice, afterPolicy := threadSched(t); afterNice != beforeNice || afterPolicy != beforePolicy {
		t.Errorf("the caller's thread went from nice %d policy %d to nice %d policy %d", beforeNice, beforePolicy, afterNice, afterPolicy)
	}
	// The worker thread is never handed to other goroutines: the runtime exits a thread
	// whose goroutine ended locked (or, for the main thread, parks it for good). Threads
	// that goroutines get afterwards all run at normal priority.
	for range 8 {
		lowPriority(func() {})
	}
	policies := make(chan int, 32)
	for range cap(policies) {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			_, p := threadSched(t)
			policies <- p
		}()
	}
	for range cap(policies) {
		if p := <-policies; p == schedIdle {
			t.Fatal("a goroutine ran on a thread left at SCHED_IDLE")
		}
	}
}
