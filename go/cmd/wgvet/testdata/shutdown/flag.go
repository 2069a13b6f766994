package shutdown

import (
	"sync"
	"time"
)

// agent: Disconnect marks the agent down and closes stopCh together;
// Connect, called again and again, waits for the heartbeat only when the
// agent is down, that is after the stop: not flagged.
type agent struct {
	mu     sync.Mutex
	hbWg   sync.WaitGroup
	stopCh chan struct{}
	down   bool
}

func (g *agent) heartbeat(stop chan struct{}) {
	defer g.hbWg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

func (g *agent) start() {
	g.hbWg.Add(1)
	go g.heartbeat(g.stopCh)
}

// Disconnect stops the heartbeat and waits for it.
func (g *agent) Disconnect() {
	g.mu.Lock()
	g.down = true
	close(g.stopCh)
	g.mu.Unlock()
	g.hbWg.Wait()
}

// Connect starts a heartbeat, after the previous one ended.
func (g *agent) Connect() {
	g.mu.Lock()
	wasDown := g.down
	g.mu.Unlock()
	if wasDown {
		g.hbWg.Wait()
		g.mu.Lock()
		g.down = false
		g.stopCh = make(chan struct{})
		g.mu.Unlock()
	}
	g.start()
}

// Redial connects again and again.
func Redial(g *agent) {
	for range 3 {
		g.Connect()
	}
}

// relay: paused is set by Pause, which stops nothing; a Wait under it, in
// a function called again and again, waits for a pump nobody stopped.
type relay struct {
	wg     sync.WaitGroup
	stopCh chan struct{}
	paused bool
}

func (r *relay) pump() {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.stopCh:
			return
		case <-tick.C:
		}
	}
}

// Pause marks the relay paused.
func (r *relay) Pause() { r.paused = true }

// Tick waits for the pump when paused.
func (r *relay) Tick() {
	if r.paused {
		r.wg.Wait() // want WG001
	}
}

// Loop starts the pump and ticks.
func Loop(r *relay) {
	r.wg.Add(1)
	go r.pump()
	for range 10 {
		r.Tick()
	}
}
