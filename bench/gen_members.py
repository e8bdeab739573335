import sys
kind=sys.argv[1]; n=int(sys.argv[2])
out=sys.stdout.buffer
def cmd(*a):
    b=b"*%d\r\n"%len(a)
    for x in a:
        x=x if isinstance(x,bytes) else str(x).encode()
        b+=b"$%d\r\n%s\r\n"%(len(x),x)
    return b
buf=[]
for i in range(n):
    if kind=="hash": buf.append(cmd("HSET","h","field:%d"%i,"value:%d"%i))
    elif kind=="set": buf.append(cmd("SADD","s","member:%d"%i))
    elif kind=="zset": buf.append(cmd("ZADD","z",i,"member:%d"%i))
    if len(buf)>=10000: out.write(b"".join(buf)); buf=[]
out.write(b"".join(buf))
