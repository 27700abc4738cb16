package dev.kstreams.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A payment event, as the load generator writes it (JSON). */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Payment {
    public long id;
    public String account;
    public double amount;
    public String currency;
    public String status;
    public long ts;

    boolean succeeded() {
        return "SUCCESS".equals(status);
    }
}
