package dev.kstreams.bench;

/** The stateless pipeline's output: a successful payment with its amount in cents. */
public final class PaymentCents {
    public long id;
    public String account;
    public long cents;
    public String currency;
    public long ts;

    static PaymentCents of(Payment p) {
        PaymentCents c = new PaymentCents();
        c.id = p.id;
        c.account = p.account;
        c.cents = Math.round(p.amount * 100.0);
        c.currency = p.currency;
        c.ts = p.ts;
        return c;
    }
}
