package dev.kstreams.bench;

/** The stream-stream-join output: the ids of two payments of one account (as PaymentPair in examples/src/bench/pairs.rs). */
public final class PaymentPair {
    public String account;
    public long left;
    public long right;

    /** The joiner of {@link Topologies#streamStreamJoin}. */
    static PaymentPair of(Payment left, PaymentCents right) {
        PaymentPair p = new PaymentPair();
        p.account = left.account;
        p.left = left.id;
        p.right = right.id;
        return p;
    }
}
