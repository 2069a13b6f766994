package monitor

// lineClock is the scenario's line schedule, as docs/model.md §7 states it:
// a container writes perMin lines a minute, line k (from 0) at
// ⌊k·60000/perMin⌋ ms, moved 1 ms later when that falls on a whole second.
type lineClock struct{ perMin uint64 }

// before is the index of the first line written at or after ms, a whole
// second.
func (c lineClock) before(ms uint64) uint64 {
	return (ms*c.perMin + 59_999) / 60_000
}

// writtenAt is when line k is written, in ms.
func (c lineClock) writtenAt(k uint64) uint64 {
	t := k * 60_000 / c.perMin
	if t%1000 == 0 {
		t++
	}
	return t
}
