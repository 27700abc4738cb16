package dev.kstreams.bench;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** An account row of the stream-table-join table, as the load generator writes it (JSON). */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Account {
    public String account;
    public String country;
    public String tier;
}
