package stream

// PEL is a pending entries list: NACKs ordered by id, a skip list so that lookups,
// inserts, deletes and seeks are O(log n) however large the list grows.
type PEL struct {
	head  plNode
	level int
	n     int
	rng   uint64
}

const plMaxLevel = 32

type plNode struct {
	id   ID
	nack *NACK
	next []*plNode
	// inline holds next for the usual low nodes, saving an allocation and a cache miss per
	// step of a search.
	inline [3]*plNode
}

func newPEL() *PEL {
	return &PEL{head: plNode{next: make([]*plNode, plMaxLevel)}, level: 1, rng: 0x9E3779B97F4A7C15}
}

func (p *PEL) Len() int { return p.n }

func (p *PEL) randomLevel() int {
	l := 1
	for l < plMaxLevel {
		p.rng ^= p.rng << 13
		p.rng ^= p.rng >> 7
		p.rng ^= p.rng << 17
		if p.rng&3 != 0 {
			break
		}
		l++
	}
	return l
}

// findPrev fills prev with, per level, the last node whose id is < id.
func (p *PEL) findPrev(id ID, prev *[plMaxLevel]*plNode) *plNode {
	x := &p.head
	for i := p.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].id.Less(id) {
			x = x.next[i]
		}
		if prev != nil {
			prev[i] = x
		}
	}
	return x.next[0]
}

// Get returns the NACK of id, or nil.
func (p *PEL) Get(id ID) *NACK {
	if x := p.findPrev(id, nil); x != nil && x.id == id {
		return x.nack
	}
	return nil
}

// Insert adds id unless present, reporting whether it did.
func (p *PEL) Insert(id ID, n *NACK) bool {
	var prev [plMaxLevel]*plNode
	if x := p.findPrev(id, &prev); x != nil && x.id == id {
		return false
	}
	l := p.randomLevel()
	for i := p.level; i < l; i++ {
		prev[i] = &p.head
	}
	if l > p.level {
		p.level = l
	}
	x := &plNode{id: id, nack: n}
	if l <= len(x.inline) {
		x.next = x.inline[:l]
	} else {
		x.next = make([]*plNode, l)
	}
	for i := 0; i < l; i++ {
		x.next[i] = prev[i].next[i]
		prev[i].next[i] = x
	}
	p.n++
	return true
}

// Delete removes id, reporting whether it was present.
func (p *PEL) Delete(id ID) bool {
	var prev [plMaxLevel]*plNode
	x := p.findPrev(id, &prev)
	if x == nil || x.id != id {
		return false
	}
	for i := 0; i < len(x.next); i++ {
		prev[i].next[i] = x.next[i]
	}
	for p.level > 1 && p.head.next[p.level-1] == nil {
		p.level--
	}
	p.n--
	return true
}

// Last returns the greatest id; ok is false when empty.
func (p *PEL) Last() (ID, bool) {
	x := &p.head
	for i := p.level - 1; i >= 0; i-- {
		for x.next[i] != nil {
			x = x.next[i]
		}
	}
	if x == &p.head {
		return ID{}, false
	}
	return x.id, true
}

// PELIter walks a PEL in id order. Deleting the current id is allowed before Next.
type PELIter struct {
	p *PEL
	x *plNode
}

// Seek positions an iterator at the first id >= id.
func (p *PEL) Seek(id ID) PELIter { return PELIter{p, p.findPrev(id, nil)} }

func (it *PELIter) Valid() bool { return it.x != nil }
func (it *PELIter) ID() ID      { return it.x.id }
func (it *PELIter) NACK() *NACK { return it.x.nack }
func (it *PELIter) Next()       { it.x = it.x.next[0] }
