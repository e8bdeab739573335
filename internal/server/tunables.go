package server

import (
	"strconv"
	"sync/atomic"

	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/keyspace"
)

// tunables caches the directives read on every request, so the hot path does not take the
// config lock or look names up. It is rebuilt whenever CONFIG SET changes anything.
type tunables struct {
	timeoutSec      int64
	maxClients      int64
	maxBulk         int64
	queryBufLimit   int64
	outputLimit     outputLimit // the "normal" class of client-output-buffer-limit
	pubsubLimit     outputLimit // the "pubsub" class
	notifyFlags     string      // notify-keyspace-events as CONFIG GET prints it
	slowlogSlower   int64
	slowlogMaxLen   int
	protectedMode   bool
	authMaxFailures int64
	authLockoutSec  int64
	limits          keyspace.Limits
}

// outputLimit is one class of client-output-buffer-limit: a hard cap, and a soft cap that
// may be exceeded for at most softSeconds.
type outputLimit struct {
	hard, soft, softSeconds int64
}

func loadTunables(cfg *config.Config) *tunables {
	t := &tunables{
		timeoutSec:      cfg.Int("timeout"),
		maxClients:      cfg.Int("maxclients"),
		maxBulk:         cfg.Int("proto-max-bulk-len"),
		queryBufLimit:   cfg.Int("client-query-buffer-limit"),
		slowlogSlower:   cfg.Int("slowlog-log-slower-than"),
		slowlogMaxLen:   int(cfg.Int("slowlog-max-len")),
		protectedMode:   cfg.Bool("protected-mode"),
		authMaxFailures: cfg.Int("auth-max-failures"),
		authLockoutSec:  cfg.Int("auth-lockout-seconds"),
	}
	t.outputLimit = parseOutputLimit(cfg.Strings("client-output-buffer-limit"), "normal")
	t.pubsubLimit = parseOutputLimit(cfg.Strings("client-output-buffer-limit"), "pubsub")
	t.notifyFlags = cfg.String("notify-keyspace-events")
	t.limits = keyspace.Limits{
		HashListpackEntries:  cfg.Int("hash-max-listpack-entries"),
		HashListpackValue:    cfg.Int("hash-max-listpack-value"),
		SetIntsetEntries:     cfg.Int("set-max-intset-entries"),
		ZSetListpackEntries:  cfg.Int("zset-max-listpack-entries"),
		ZSetListpackValue:    cfg.Int("zset-max-listpack-value"),
		ListListpackSize:     cfg.Int("list-max-listpack-size"),
		StreamNodeMaxBytes:   cfg.Int("stream-node-max-bytes"),
		StreamNodeMaxEntries: cfg.Int("stream-node-max-entries"),
	}
	return t
}

// parseOutputLimit finds class in the flat "class hard soft seconds ..." words.
func parseOutputLimit(words []string, class string) outputLimit {
	for i := 0; i+3 < len(words); i += 4 {
		if words[i] != class {
			continue
		}
		hard, _ := strconv.ParseInt(words[i+1], 10, 64)
		soft, _ := strconv.ParseInt(words[i+2], 10, 64)
		secs, _ := strconv.ParseInt(words[i+3], 10, 64)
		return outputLimit{hard: hard, soft: soft, softSeconds: secs}
	}
	return outputLimit{}
}

type tunablesPtr struct{ p atomic.Pointer[tunables] }

func (t *tunablesPtr) get() *tunables  { return t.p.Load() }
func (t *tunablesPtr) set(v *tunables) { t.p.Store(v) }
