package httpapi_test

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/planta-dev/planta/services/identity/internal/identitytest"
	"github.com/planta-dev/planta/services/identity/internal/password"
)

// BenchmarkLoginHTTP measures successful logins through the full public handler chain
// (instrumentation, guard, JSON, rate limit, gate, Postgres lookup, lockout Lua, bcrypt
// at cost 12, session create, access-log insert) with GOMAXPROCS parallel clients.
func BenchmarkLoginHTTP(b *testing.B) {
	e := identitytest.New(b, identitytest.Options{
		Hasher: password.Bcrypt{Cost: password.DefaultCost},
		Vars: map[string]string{"PLANTA_LOGIN_RATE_LIMIT": "1000000",
			"PLANTA_BCRYPT_CONCURRENCY": strconv.Itoa(runtime.GOMAXPROCS(0)), "PLANTA_BCRYPT_QUEUE": "1000"},
	})
	e.CreateUser("bench", "cliente", "bench-pass-word")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := e.Login("bench", "bench-pass-word"); rec.Code != 200 {
				b.Errorf("login: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkBcryptRaw is the ceiling: bare bcrypt.CompareHashAndPassword at cost 12 on
// the same cores.
func BenchmarkBcryptRaw(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-pass-word"), password.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bcrypt.CompareHashAndPassword(hash, []byte("bench-pass-word")); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "compares/s")
}

// BenchmarkLoginVsBcryptInterleaved alternates rounds of raw compares and HTTP logins
// (GOMAXPROCS workers each) so that both see the same machine load, and reports both
// rates and their ratio. deploy/bench/identity-login.sh runs it.
func BenchmarkLoginVsBcryptInterleaved(b *testing.B) {
	e := identitytest.New(b, identitytest.Options{
		Hasher: password.Bcrypt{Cost: password.DefaultCost},
		Vars: map[string]string{"PLANTA_LOGIN_RATE_LIMIT": "1000000",
			"PLANTA_BCRYPT_CONCURRENCY": strconv.Itoa(runtime.GOMAXPROCS(0)), "PLANTA_BCRYPT_QUEUE": "1000"},
	})
	e.CreateUser("bench", "cliente", "bench-pass-word")
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-pass-word"), password.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	workers := runtime.GOMAXPROCS(0)
	perWorker := 2
	run := func(op func()) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					op()
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	var rawTime, loginTime time.Duration
	ops := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rawTime += run(func() {
			if err := bcrypt.CompareHashAndPassword(hash, []byte("bench-pass-word")); err != nil {
				b.Error(err)
			}
		})
		loginTime += run(func() {
			if rec := e.Login("bench", "bench-pass-word"); rec.Code != 200 {
				b.Errorf("login: %d %s", rec.Code, rec.Body)
			}
		})
		ops += workers * perWorker
	}
	raw, login := float64(ops)/rawTime.Seconds(), float64(ops)/loginTime.Seconds()
	b.ReportMetric(raw, "compares/s")
	b.ReportMetric(login, "logins/s")
	b.ReportMetric(login/raw, "ratio")
}
