package selfwait

import "sync"

// transport is what the protocol closes; its one implementation is below.
type transport interface {
	read() error
	close()
}

type proto struct {
	wg sync.WaitGroup
	t  transport
}

type wsTransport struct{ p *proto }

func (w *wsTransport) read() error { return nil }

// close waits for the read loop.
func (w *wsTransport) close() { w.p.wg.Wait() } // want WG003

// readLoop is counted by wg; on a read error it calls the callback it was
// given, which closes the transport through the interface, which waits
// for readLoop itself.
func (p *proto) readLoop(onError func()) {
	for {
		if err := p.t.read(); err != nil {
			onError()
			p.wg.Done()
			return
		}
	}
}

func (p *proto) onReadError() { p.t.close() }

// Open starts the read loop with its error callback.
func Open() *proto {
	p := &proto{}
	p.t = &wsTransport{p: p}
	p.wg.Add(1)
	go p.readLoop(p.onReadError)
	return p
}

type cache struct {
	ready    sync.WaitGroup
	once     sync.Once
	onUpdate func()
	stop     chan struct{}
}

func (c *cache) update() { c.onUpdate() }

// run lives until stop; its first update marks the cache ready, through a
// callback: it leaves the group early.
func (c *cache) run() {
	for {
		select {
		case <-c.stop:
			return
		default:
			c.update()
		}
	}
}

// NewCaches starts caches and waits for each to be ready: not flagged.
func NewCaches(n int) []*cache {
	var out []*cache
	for range n {
		c := &cache{stop: make(chan struct{})}
		c.onUpdate = func() { c.once.Do(func() { c.ready.Done() }) }
		c.ready.Add(1)
		go c.run()
		c.ready.Wait()
		out = append(out, c)
	}
	return out
}
