//! The purchases topology through the TopologyTestDriver: exact records on
//! every sink, and `describe()` against the golden file.

use kstreams::TopologyTestDriver;
use kstreams_examples::purchases::*;

fn purchase(
    first: &str,
    item: &str,
    department: &str,
    quantity: u32,
    price: f64,
    date: i64,
) -> Purchase {
    Purchase {
        first_name: first.to_owned(),
        last_name: "Doe".to_owned(),
        customer_id: format!("c-{first}"),
        credit_card_number: "1234-5678-9012-3456".to_owned(),
        item_purchased: item.to_owned(),
        department: department.to_owned(),
        employee_id: "e-1".to_owned(),
        quantity,
        price,
        purchase_date: date,
        zip_code: "10001".to_owned(),
        store_id: "s-1".to_owned(),
    }
}

fn masked(p: &Purchase) -> Purchase {
    Purchase {
        credit_card_number: "xxxx-xxxx-xxxx-3456".to_owned(),
        ..p.clone()
    }
}

#[test]
fn every_sink_gets_exactly_the_expected_records() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(topology()?)?;
    let mut input = d.create_input_topic(TRANSACTIONS);
    let latte = purchase("ann", "latte", "coffee", 2, 5.50, 1_000);
    let espresso = purchase("bob", "espresso", "coffee", 1, 3.00, 2_000); // too cheap for the split
    let tv = purchase("cid", "tv", "electronics", 1, 499.99, 3_000);
    let shirt = purchase("dee", "shirt", "clothing", 3, 20.00, 4_000); // no branch: dropped there
    for p in [&latte, &espresso, &tv, &shirt] {
        input.pipe_input_with_timestamp(p.customer_id.clone(), p.clone(), p.purchase_date)?;
    }

    let all: Vec<Purchase> = [&latte, &espresso, &tv, &shirt]
        .into_iter()
        .map(masked)
        .collect();
    let purchases = d.create_output_topic(PURCHASES).read_key_values_to_vec()?;
    assert_eq!(
        purchases,
        all.iter()
            .map(|p| (p.customer_id.clone(), p.clone()))
            .collect::<Vec<_>>()
    );
    assert!(purchases
        .iter()
        .all(|(_, p)| p.credit_card_number == "xxxx-xxxx-xxxx-3456"));

    let patterns = d.create_output_topic(PATTERNS).read_values_to_vec()?;
    assert_eq!(
        patterns,
        vec![
            PurchasePattern {
                zip_code: "10001".into(),
                item: "latte".into(),
                date: 1_000,
                amount: 11.0
            },
            PurchasePattern {
                zip_code: "10001".into(),
                item: "espresso".into(),
                date: 2_000,
                amount: 3.0
            },
            PurchasePattern {
                zip_code: "10001".into(),
                item: "tv".into(),
                date: 3_000,
                amount: 499.99
            },
            PurchasePattern {
                zip_code: "10001".into(),
                item: "shirt".into(),
                date: 4_000,
                amount: 60.0
            },
        ]
    );

    let rewards = d.create_output_topic(REWARDS).read_values_to_vec()?;
    let points: Vec<(String, i64)> = rewards
        .into_iter()
        .map(|r| (r.customer_id, r.current_reward_points))
        .collect();
    assert_eq!(
        points,
        vec![
            ("Doe,ann".into(), 11),
            ("Doe,bob".into(), 3),
            ("Doe,cid".into(), 499),
            ("Doe,dee".into(), 60)
        ]
    );

    let coffee = d.create_output_topic(COFFEE).read_records_to_vec()?;
    assert_eq!(coffee.len(), 1);
    assert_eq!(
        (coffee[0].key, &coffee[0].value, coffee[0].timestamp),
        (1_000, &masked(&latte), 1_000)
    );

    let electronics = d
        .create_output_topic(ELECTRONICS)
        .read_key_values_to_vec()?;
    assert_eq!(electronics, vec![(3_000, masked(&tv))]);
    assert!(d.producer_topics().is_empty(), "no other records anywhere");
    Ok(())
}

#[test]
fn describe_matches_the_golden_file() -> kstreams::Result<()> {
    let golden = include_str!("../../kstreams/tests/golden/purchases.describe.txt");
    let actual = topology()?.describe().to_string();
    if std::env::var_os("KSTREAMS_BLESS").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../kstreams/tests/golden/purchases.describe.txt"
        );
        std::fs::write(path, &actual).expect("write golden file");
        return Ok(());
    }
    assert_eq!(
        actual, golden,
        "describe() changed; re-bless with KSTREAMS_BLESS=1 if intended"
    );
    Ok(())
}

/// The README's picture of the purchases topology is the one
/// `describe().to_mermaid()` draws now (`UPDATE_README=1` rewrites it).
#[test]
fn readme_shows_the_generated_mermaid_picture() -> kstreams::Result<()> {
    const START: &str = "<!-- purchases-mermaid:start -->\n";
    const END: &str = "<!-- purchases-mermaid:end -->";
    let generated = format!(
        "```mermaid\n{}```\n",
        kstreams_examples::purchases::topology()?
            .describe()
            .to_mermaid()
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(START)
        .expect("the README's purchases-mermaid:start marker")
        + START.len();
    let end = readme[start..]
        .find(END)
        .expect("the README's purchases-mermaid:end marker")
        + start;
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("README.md written");
        return Ok(());
    }
    assert_eq!(
        &readme[start..end],
        generated,
        "the README's purchases picture is out of date: run `UPDATE_README=1 cargo test -p kstreams-examples --test purchases_ttd readme`"
    );
    Ok(())
}
