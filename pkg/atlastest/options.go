package atlastest

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"
)

// Option configures a Server. Options check their input; NewServer reports the first problem.
type Option func(*Server) error

// WithOrg adds an organization the emulator knows. Requests for other well-formed org IDs get 404.
func WithOrg(orgID string) Option {
	return func(s *Server) error {
		if err := s.checkOrgID(orgID); err != nil {
			return err
		}
		s.orgs[orgID] = true
		return nil
	}
}

// WithAPIKey adds an API key and makes it Organization Owner of each of ownerOf (which become known orgs too). A key
// with no orgs authenticates but gets 403 everywhere.
func WithAPIKey(publicKey, privateKey string, ownerOf ...string) Option {
	return func(s *Server) error {
		if publicKey == "" || privateKey == "" {
			return errors.New("atlastest: API key: public and private key must both be non-empty")
		}
		p, err := s.newPrincipal(publicKey, privateKey, ownerOf)
		if err != nil {
			return err
		}
		s.keys[publicKey] = p
		return nil
	}
}

// WithNonceLifetime sets how long a nonce stays valid (DefaultNonceLifetime unless set). Short lifetimes let tests
// exercise stale=true.
func WithNonceLifetime(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return fmt.Errorf("atlastest: nonce lifetime %v must be positive", d)
		}
		s.nonces.lifetime = d
		return nil
	}
}

// WithAlgorithms sets the digest algorithms the emulator challenges with and accepts, in order of preference: "MD5"
// and/or "SHA-256". The default is MD5 then SHA-256, one WWW-Authenticate header each.
func WithAlgorithms(algorithms ...string) Option {
	return func(s *Server) error {
		if len(algorithms) == 0 {
			return errors.New("atlastest: no digest algorithm given")
		}
		for _, alg := range algorithms {
			if alg != "MD5" && alg != "SHA-256" {
				return fmt.Errorf("atlastest: digest algorithm %q: want MD5 or SHA-256", alg)
			}
		}
		s.algorithms = slices.Clone(algorithms)
		return nil
	}
}

// WithAddr listens on addr, which must be a loopback address ("127.0.0.1:0", the default, picks a free port).
func WithAddr(addr string) Option {
	return func(s *Server) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("atlastest: address %q: %w", addr, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("atlastest: address %q is not a loopback address", addr)
		}
		s.addr = addr
		return nil
	}
}

// WithRequestHook calls fn after each request is answered, with what Requests would record (the emulator command
// logs through it). fn runs on the request's goroutine and must be safe for concurrent use.
func WithRequestHook(fn func(Request)) Option {
	return func(s *Server) error {
		if fn == nil {
			return errors.New("atlastest: request hook is nil")
		}
		s.hook = fn
		return nil
	}
}

// WithLatency makes the emulator wait d before answering each request: a stand-in for a real network when
// comparing clients that make different numbers of round trips.
func WithLatency(d time.Duration) Option {
	return func(s *Server) error {
		if d < 0 {
			return fmt.Errorf("atlastest: latency %v is negative", d)
		}
		s.latency = d
		return nil
	}
}
