// Command hello is the baseline of the session validate benchmark
// (deploy/bench/session-validate.sh): the cheapest Go HTTP handler, served by net/http
// on the same machine, so the session service's numbers can be read as a ratio.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18199", "listen address")
	flag.Parse()
	srv := &http.Server{
		Addr:              *addr,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello, world\n"))
		}),
	}
	log.Fatal(srv.ListenAndServe())
}
