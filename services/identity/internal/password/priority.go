package password

import "runtime"

// backgroundNice is the niceness bcrypt falls back to where SCHED_IDLE is refused: under
// contention the kernel then gives nice-0 threads about ten times its share.
const backgroundNice = 10

// lowPriority runs fn on an OS thread of its own at background priority (SCHED_IDLE on
// Linux: it runs only on CPU time nothing else wants, and any other thread that wakes up
// preempts it) and waits for it. So a login flood takes idle CPU only, and session
// validation, Redis and every other request keep their latency; on an idle machine
// bcrypt still gets all the CPU it wants. The goroutine exits still locked to that thread,
// so the runtime destroys the thread (or, for the main thread, parks it for good) instead
// of handing a deprioritised one to other goroutines (an unprivileged process cannot raise
// it back). A new thread costs tens of
// microseconds against bcrypt's hundreds of milliseconds.
func lowPriority(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		lowerThisThread()
		fn()
	}()
	<-done
}
