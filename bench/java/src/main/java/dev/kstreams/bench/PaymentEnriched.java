package dev.kstreams.bench;

/** The stream-table-join output: a payment with its account's country and tier. */
public final class PaymentEnriched {
    public long id;
    public String account;
    public long cents;
    public String currency;
    public String country;
    public String tier;
    public long ts;

    /** The joiner of {@link Topologies#streamTableJoin}. */
    static PaymentEnriched of(Payment p, Account a) {
        PaymentEnriched e = new PaymentEnriched();
        e.id = p.id;
        e.account = p.account;
        e.cents = Math.round(p.amount * 100.0);
        e.currency = p.currency;
        e.country = a.country;
        e.tier = a.tier;
        e.ts = p.ts;
        return e;
    }
}
