package zset

import "math/rand/v2"

// The skiplist is Redis's (after William Pugh's): nodes ordered by (score, member), a backward
// pointer at level 0, and at every level the span to the next node, so walking down from the
// header sums to a node's 1-based rank.

const (
	maxLevel = 32
	levelP   = 0.25
)

type level struct {
	forward *node
	span    int
}

type node struct {
	member   string
	score    float64
	backward *node
	levels   []level
	pos      int // index in ZSet.dense
}

type skiplist struct {
	header *node
	tail   *node
	length int
	level  int
}

func newSkiplist() *skiplist {
	return &skiplist{header: &node{levels: make([]level, maxLevel)}, level: 1}
}

func randomLevel() int {
	l := 1
	for l < maxLevel && rand.Float64() < levelP {
		l++
	}
	return l
}

// before reports whether x sorts before (score, member).
func (x *node) before(score float64, member string) bool {
	return x.score < score || (x.score == score && x.member < member)
}

// insert links a new node; the member must not be present.
func (sl *skiplist) insert(score float64, member string) *node {
	x := &node{member: member, score: score}
	sl.link(x)
	return x
}

// link inserts the unlinked node x at its place, with a fresh random level.
func (sl *skiplist) link(x *node) {
	var update [maxLevel]*node
	var rank [maxLevel]int
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		if i < sl.level-1 {
			rank[i] = rank[i+1]
		}
		for h.levels[i].forward != nil && h.levels[i].forward.before(x.score, x.member) {
			rank[i] += h.levels[i].span
			h = h.levels[i].forward
		}
		update[i] = h
	}
	lvl := randomLevel()
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.header
			update[i].levels[i].span = sl.length
		}
		sl.level = lvl
	}
	x.levels = make([]level, lvl)
	for i := 0; i < lvl; i++ {
		x.levels[i].forward = update[i].levels[i].forward
		update[i].levels[i].forward = x
		x.levels[i].span = update[i].levels[i].span - (rank[0] - rank[i])
		update[i].levels[i].span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].levels[i].span++
	}
	if update[0] != sl.header {
		x.backward = update[0]
	} else {
		x.backward = nil
	}
	if x.levels[0].forward != nil {
		x.levels[0].forward.backward = x
	} else {
		sl.tail = x
	}
	sl.length++
}

// tailPos is, per level, the last node and its rank: where appendTail links.
type tailPos struct {
	nodes [maxLevel]*node
	ranks [maxLevel]int
}

func (sl *skiplist) tails() *tailPos {
	t := &tailPos{}
	h, r := sl.header, 0
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil {
			r += h.levels[i].span
			h = h.levels[i].forward
		}
		t.nodes[i], t.ranks[i] = h, r
	}
	for i := sl.level; i < maxLevel; i++ {
		t.nodes[i] = sl.header
	}
	return t
}

// appendTail links a node that sorts after every other in O(1), as zslInsert would link it,
// spans to the end of the list included.
func (sl *skiplist) appendTail(score float64, member string, t *tailPos) *node {
	x := &node{member: member, score: score, levels: make([]level, randomLevel())}
	sl.level = max(sl.level, len(x.levels))
	sl.length++
	for i := 0; i < sl.level; i++ {
		if i < len(x.levels) {
			t.nodes[i].levels[i].forward = x
			t.nodes[i].levels[i].span = sl.length - t.ranks[i]
			t.nodes[i], t.ranks[i] = x, sl.length
		} else {
			t.nodes[i].levels[i].span++
		}
	}
	x.backward = sl.tail
	sl.tail = x
	return x
}

func (sl *skiplist) deleteNode(x *node, update *[maxLevel]*node) {
	for i := 0; i < sl.level; i++ {
		if update[i].levels[i].forward == x {
			update[i].levels[i].span += x.levels[i].span - 1
			update[i].levels[i].forward = x.levels[i].forward
		} else {
			update[i].levels[i].span--
		}
	}
	if x.levels[0].forward != nil {
		x.levels[0].forward.backward = x.backward
	} else {
		sl.tail = x.backward
	}
	for sl.level > 1 && sl.header.levels[sl.level-1].forward == nil {
		sl.level--
	}
	sl.length--
}

func (sl *skiplist) findUpdate(score float64, member string, update *[maxLevel]*node) *node {
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && h.levels[i].forward.before(score, member) {
			h = h.levels[i].forward
		}
		update[i] = h
	}
	return h.levels[0].forward
}

// delete unlinks x, which must be in the list.
func (sl *skiplist) delete(x *node) {
	var update [maxLevel]*node
	sl.findUpdate(x.score, x.member, &update)
	sl.deleteNode(x, &update)
}

// updateScore moves x to its place for score, reusing the node as Redis reuses it when the
// order does not change.
func (sl *skiplist) updateScore(x *node, score float64) *node {
	if (x.backward == nil || x.backward.score < score) &&
		(x.levels[0].forward == nil || x.levels[0].forward.score > score) {
		x.score = score
		return x
	}
	sl.delete(x)
	x.score = score
	x.backward = nil
	sl.link(x)
	return x
}

// rank returns the 1-based rank of (score, member), which must be present.
func (sl *skiplist) rank(score float64, member string) int {
	r := 0
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := h.levels[i].forward; f != nil && (f.score < score || (f.score == score && f.member <= member)); f = h.levels[i].forward {
			r += h.levels[i].span
			h = f
		}
		if h != sl.header && h.member == member {
			return r
		}
	}
	return 0
}

// byRank returns the node of 1-based rank r, or nil.
func (sl *skiplist) byRank(r int) *node {
	traversed := 0
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && traversed+h.levels[i].span <= r {
			traversed += h.levels[i].span
			h = h.levels[i].forward
		}
		if traversed == r {
			if h == sl.header {
				return nil
			}
			return h
		}
	}
	return nil
}

func (sl *skiplist) isInRange(r ScoreRange) bool {
	if r.Empty() || sl.tail == nil {
		return false
	}
	return r.GteMin(sl.tail.score) && r.LteMax(sl.header.levels[0].forward.score)
}

func (sl *skiplist) firstInRange(r ScoreRange) *node {
	if !sl.isInRange(r) {
		return nil
	}
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && !r.GteMin(h.levels[i].forward.score) {
			h = h.levels[i].forward
		}
	}
	h = h.levels[0].forward
	if h == nil || !r.LteMax(h.score) {
		return nil
	}
	return h
}

func (sl *skiplist) lastInRange(r ScoreRange) *node {
	if !sl.isInRange(r) {
		return nil
	}
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && r.LteMax(h.levels[i].forward.score) {
			h = h.levels[i].forward
		}
	}
	if h == sl.header || !r.GteMin(h.score) {
		return nil
	}
	return h
}

func (sl *skiplist) isInLex(r LexRange) bool {
	if r.Empty() || sl.tail == nil {
		return false
	}
	return r.GteMin(sl.tail.member) && r.LteMax(sl.header.levels[0].forward.member)
}

func (sl *skiplist) firstInLex(r LexRange) *node {
	if !sl.isInLex(r) {
		return nil
	}
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && !r.GteMin(h.levels[i].forward.member) {
			h = h.levels[i].forward
		}
	}
	h = h.levels[0].forward
	if h == nil || !r.LteMax(h.member) {
		return nil
	}
	return h
}

func (sl *skiplist) lastInLex(r LexRange) *node {
	if !sl.isInLex(r) {
		return nil
	}
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for h.levels[i].forward != nil && r.LteMax(h.levels[i].forward.member) {
			h = h.levels[i].forward
		}
	}
	if h == sl.header || !r.GteMin(h.member) {
		return nil
	}
	return h
}

// deleteRange unlinks the run of nodes that starts at the first node for which before is
// false and continues while in holds; both get the node and its 1-based rank. It returns
// the unlinked nodes.
func (sl *skiplist) deleteRange(before, in func(x *node, rank int) bool) []*node {
	var update [maxLevel]*node
	traversed := 0
	h := sl.header
	for i := sl.level - 1; i >= 0; i-- {
		for f := h.levels[i].forward; f != nil && before(f, traversed+h.levels[i].span); f = h.levels[i].forward {
			traversed += h.levels[i].span
			h = f
		}
		update[i] = h
	}
	traversed++
	var removed []*node
	for x := h.levels[0].forward; x != nil && in(x, traversed); traversed++ {
		next := x.levels[0].forward
		sl.deleteNode(x, &update)
		removed = append(removed, x)
		x = next
	}
	return removed
}
