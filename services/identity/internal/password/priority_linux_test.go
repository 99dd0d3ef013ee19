package password

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
	// The deprioritised thread is gone, not handed back to the scheduler.
	if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(tid)); !os.IsNotExist(err) {
		// The runtime may take a moment to reap it (longer under -race with every
		// package's tests running in parallel): poll for up to two seconds.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			runtime.Gosched()
			time.Sleep(time.Millisecond)
			if _, err = os.Stat("/proc/self/task/" + strconv.Itoa(tid)); os.IsNotExist(err) {
				return
			}
		}
		t.Errorf("thread %d still exists after the work: %v", tid, err)
	}
}
