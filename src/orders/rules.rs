//! The orders' pure rules, compiled for both targets: what a shopper is told
//! when their order changes.

use super::{OrderNumber, OrderStatus, PaymentMethod};

/// The notification's title and text for a change to `to`.
pub fn status_message(
    number: OrderNumber,
    to: OrderStatus,
    total: &str,
    method: PaymentMethod,
    unpaid_minutes: u32,
    note: &str,
) -> (String, String) {
    let (title, mut body) = match to {
        OrderStatus::PendingPayment => (
            format!("Order {number} is waiting for payment"),
            format!(
                "Pay {total} by card to complete order {number}. Unpaid orders are cancelled after {unpaid_minutes} minutes."
            ),
        ),
        OrderStatus::Processing if method == PaymentMethod::CashOnDelivery => (
            format!("Order {number} confirmed"),
            format!("Thank you! We are preparing order {number}. You pay {total} in cash on delivery."),
        ),
        OrderStatus::Processing => (
            format!("Order {number} confirmed"),
            format!("Thank you! We received your payment of {total} and are preparing order {number}."),
        ),
        OrderStatus::Shipped => (format!("Order {number} shipped"), format!("Order {number} is on its way.")),
        OrderStatus::Delivered => {
            (format!("Order {number} delivered"), format!("Order {number} was delivered. Enjoy!"))
        }
        OrderStatus::Cancelled => (format!("Order {number} cancelled"), format!("Order {number} was cancelled.")),
        OrderStatus::Refunded => (
            format!("Order {number} refunded"),
            format!("We refunded {total} for order {number} to your card. Banks take a few days to show it."),
        ),
    };
    if !note.is_empty() {
        body.push(' ');
        body.push_str(note);
    }
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_change_is_told_in_the_shoppers_words_with_the_staff_note() {
        let n = OrderNumber(100_042);
        let (title, body) = status_message(n, OrderStatus::Shipped, "$12.00", PaymentMethod::Card, 30, "");
        assert_eq!((title.as_str(), body.as_str()), ("Order #100042 shipped", "Order #100042 is on its way."));
        let (_, cash) = status_message(n, OrderStatus::Processing, "$12.00", PaymentMethod::CashOnDelivery, 30, "");
        assert!(cash.contains("You pay $12.00 in cash on delivery."), "{cash}");
        let (_, card) = status_message(n, OrderStatus::Processing, "$12.00", PaymentMethod::Card, 30, "");
        assert!(card.contains("We received your payment of $12.00"), "{card}");
        let (_, pending) = status_message(n, OrderStatus::PendingPayment, "$12.00", PaymentMethod::Card, 45, "");
        assert!(pending.contains("cancelled after 45 minutes"), "{pending}");
        let (title, refunded) =
            status_message(n, OrderStatus::Refunded, "$12.00", PaymentMethod::Card, 30, "Damaged in transit.");
        assert_eq!(title, "Order #100042 refunded");
        assert!(refunded.ends_with("to show it. Damaged in transit."), "{refunded}");
    }
}
