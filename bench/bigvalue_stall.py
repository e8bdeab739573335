# bench/bigvalue_stall.py PORT — latency of the first write to a 1M-element list/hash/set/zset/stream
# during a BGSAVE (plus 300k small keys so the walk takes a while). docs/PERFORMANCE.md.
import socket,time,sys
port=int(sys.argv[1])
s=socket.create_connection(("127.0.0.1",port))
def cmd(*a):
    out=b"*%d\r\n"%len(a)
    for x in a:
        x=x if isinstance(x,bytes) else str(x).encode()
        out+=b"$%d\r\n%s\r\n"%(len(x),x)
    return out
f=s.makefile('rb')
for typ,mk in [("list",lambda i: cmd("RPUSH","big",*[("elem%d"%j) for j in range(i,i+1000)])),
               ("hash",lambda i: cmd("HSET","big",*[x for j in range(i,i+1000) for x in ("f%d"%j,"v")])),
               ("set",lambda i: cmd("SADD","big",*[("m%d"%j) for j in range(i,i+1000)])),
               ("zset",lambda i: cmd("ZADD","big",*[x for j in range(i,i+1000) for x in (str(j),"m%d"%j)])),
               ("stream",lambda i: b"".join(cmd("XADD","big","%d-1"%(j+1),"f","v") for j in range(i,i+1000)))]:
    s.sendall(cmd("FLUSHALL")); r = f.readline()
    assert r == b"+OK\r\n", "FLUSHALL: %r (start the server on an empty --dir)" % r
    n=1000000
    per=2000 if typ=="stream" else 1  # reply lines per mk() call (an XADD answers a bulk string)
    for i in range(0,n,10000):  # in slices, so replies never fill both socket buffers
        s.sendall(b"".join(mk(j) for j in range(i,i+10000,1000)))
        for _ in range(10*per): f.readline()
    s.sendall(b"".join(cmd("SET","k%d"%i,"v") for i in range(300000)))
    for _ in range(300000): f.readline()
    w={"list":cmd("LPUSH","big","x"),"hash":cmd("HSET","big","new","x"),"set":cmd("SADD","big","new"),
       "zset":cmd("ZADD","big","5","new"),"stream":cmd("XADD","big","*","f","x")}[typ]
    s.sendall(cmd("BGSAVE")); f.readline()
    lines=2 if typ=="stream" else 1
    def timed():
        t=time.time(); s.sendall(w)
        for _ in range(lines): f.readline()
        return (time.time()-t)*1000
    first=timed(); second=timed()
    print("%s of 1M elements: first write during BGSAVE %.1f ms, second %.2f ms"%(typ,first,second))
    while True:
        s.sendall(cmd("INFO","persistence")); hdr=f.readline(); body=f.read(int(hdr[1:])+2)
        if b"rdb_bgsave_in_progress:0" in body: break
        time.sleep(0.05)
