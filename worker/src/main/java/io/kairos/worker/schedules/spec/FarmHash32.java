package io.kairos.worker.schedules.spec;

/**
 * FarmHash's 32-bit fingerprint (farmhashmk Hash32), the hash Temporal feeds its jitter from. Using the
 * same function makes our jittered times equal Temporal's for the same schedule and seed.
 */
final class FarmHash32 {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;
    private static final int N = 0xe6546b64;

    private FarmHash32() {
    }

    static int fingerprint(byte[] s) {
        int len = s.length;
        if (len <= 4) {
            return len0to4(s);
        }
        if (len <= 12) {
            return len5to12(s);
        }
        if (len <= 24) {
            return len13to24(s);
        }
        int h = len;
        int g = C1 * len;
        int f = g;
        int a0 = Integer.rotateRight(fetch(s, len - 4) * C1, 17) * C2;
        int a1 = Integer.rotateRight(fetch(s, len - 8) * C1, 17) * C2;
        int a2 = Integer.rotateRight(fetch(s, len - 16) * C1, 17) * C2;
        int a3 = Integer.rotateRight(fetch(s, len - 12) * C1, 17) * C2;
        int a4 = Integer.rotateRight(fetch(s, len - 20) * C1, 17) * C2;
        h = Integer.rotateRight(h ^ a0, 19) * 5 + N;
        h = Integer.rotateRight(h ^ a2, 19) * 5 + N;
        g = Integer.rotateRight(g ^ a1, 19) * 5 + N;
        g = Integer.rotateRight(g ^ a3, 19) * 5 + N;
        f = Integer.rotateRight(f + a4, 19) + 113;
        // whole 20-byte blocks from the front; the tail was mixed in above
        for (int block = 0, blocks = (len - 1) / 20; block < blocks; block++) {
            int at = block * 20;
            int a = fetch(s, at);
            int b = fetch(s, at + 4);
            int c = fetch(s, at + 8);
            int d = fetch(s, at + 12);
            int e = fetch(s, at + 16);
            h += a;
            g += b;
            f += c;
            h = mur(d, h) + e;
            g = mur(c, g) + a;
            f = mur(b + e * C1, f) + d;
            f += g;
            g += f;
        }
        g = Integer.rotateRight(Integer.rotateRight(g, 11) * C1, 17) * C1;
        f = Integer.rotateRight(Integer.rotateRight(f, 11) * C1, 17) * C1;
        h = Integer.rotateRight(h + g, 19) * 5 + N;
        h = Integer.rotateRight(h, 17) * C1;
        h = Integer.rotateRight(h + f, 19) * 5 + N;
        h = Integer.rotateRight(h, 17) * C1;
        return h;
    }

    private static int len0to4(byte[] s) {
        int b = 0;
        int c = 9;
        for (byte v : s) {
            b = b * C1 + v; // bytes are mixed in as signed values
            c ^= b;
        }
        return fmix(mur(b, mur(s.length, c)));
    }

    private static int len5to12(byte[] s) {
        int len = s.length;
        int a = len + fetch(s, 0);
        int b = len * 5 + fetch(s, len - 4);
        int c = 9 + fetch(s, (len >>> 1) & 4);
        int d = len * 5;
        return fmix(mur(c, mur(b, mur(a, d))));
    }

    private static int len13to24(byte[] s) {
        int len = s.length;
        int a = fetch(s, (len >>> 1) - 4);
        int b = fetch(s, 4);
        int c = fetch(s, len - 8);
        int d = fetch(s, len >>> 1);
        int e = fetch(s, 0);
        int f = fetch(s, len - 4);
        int h = d * C1 + len;
        a = Integer.rotateRight(a, 12) + f;
        h = mur(c, h) + a;
        a = Integer.rotateRight(a, 3) + c;
        h = mur(e, h) + a;
        a = Integer.rotateRight(a + f, 12) + d;
        h = mur(b, h) + a;
        return fmix(h);
    }

    private static int mur(int a, int h) {
        a *= C1;
        a = Integer.rotateRight(a, 17);
        a *= C2;
        h ^= a;
        h = Integer.rotateRight(h, 19);
        return h * 5 + N;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int fetch(byte[] s, int at) {
        return (s[at] & 0xFF) | (s[at + 1] & 0xFF) << 8 | (s[at + 2] & 0xFF) << 16 | (s[at + 3] & 0xFF) << 24;
    }
}
