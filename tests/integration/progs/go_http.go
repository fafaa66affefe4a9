// An HTTP server and client in Go, which makes its system calls without
// libc: the preload cannot see it, `run --trap` can.
//
//	go_http server        serves /data (BYTES bytes, default 200000) on a
//	                      free port of 127.0.0.1; prints "port N" first
//	go_http client URL N [GAP_MS [TIMEOUT_MS]]
//	                      N requests, each on a new connection, GAP_MS
//	                      apart, each given up after TIMEOUT_MS (default
//	                      20000); one line each: "I ok STATUS BYTES MS" or
//	                      "I KIND MS", KIND one of refused, reset,
//	                      timeout, unreachable, eof, other
//	go_http rate URL N    N requests one after the other on a kept-alive
//	                      connection (after one to open it); prints the
//	                      requests per second (make bench)
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func serve() {
	size := 200000
	if len(os.Args) > 2 {
		size, _ = strconv.Atoi(os.Args[2])
	}
	body := []byte(strings.Repeat("x", size))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	http.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	http.Serve(ln, nil)
}

func kind(err error) string {
	var errno syscall.Errno
	var netErr net.Error
	switch {
	case errors.As(err, &errno) && errno == syscall.ECONNREFUSED:
		return "refused"
	case errors.As(err, &errno) && errno == syscall.ECONNRESET:
		return "reset"
	case errors.As(err, &errno) && errno == syscall.EHOSTUNREACH:
		return "unreachable"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &errno) && errno == syscall.ETIMEDOUT:
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "eof"
	}
	return "other"
}

func client() {
	url := os.Args[2]
	n, _ := strconv.Atoi(os.Args[3])
	gap, timeout := 0, 20000
	if len(os.Args) > 4 {
		gap, _ = strconv.Atoi(os.Args[4])
	}
	if len(os.Args) > 5 {
		timeout, _ = strconv.Atoi(os.Args[5])
	}
	c := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   time.Duration(timeout) * time.Millisecond,
	}
	for i := 1; i <= n; i++ {
		start := time.Now()
		resp, err := c.Get(url)
		var got int64
		if err == nil {
			got, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		ms := time.Since(start).Milliseconds()
		if err != nil {
			fmt.Printf("%d %s %d\n", i, kind(err), ms)
		} else {
			fmt.Printf("%d ok %d %d %d\n", i, resp.StatusCode, got, ms)
		}
		time.Sleep(time.Duration(gap) * time.Millisecond)
	}
}

func rate() {
	url := os.Args[2]
	n, _ := strconv.Atoi(os.Args[3])
	c := &http.Client{}
	get := func() {
		resp, err := c.Get(url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "go_http rate:", err)
			os.Exit(1)
		}
	}
	get()
	start := time.Now()
	for i := 0; i < n; i++ {
		get()
	}
	fmt.Printf("%.0f\n", float64(n)/time.Since(start).Seconds())
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "server" {
		serve()
	} else if len(os.Args) > 3 && os.Args[1] == "client" {
		client()
	} else if len(os.Args) > 3 && os.Args[1] == "rate" {
		rate()
	} else {
		fmt.Fprintln(os.Stderr, "usage: go_http server [BYTES] | client URL N [GAP_MS [TIMEOUT_MS]] | rate URL N")
		os.Exit(2)
	}
}
