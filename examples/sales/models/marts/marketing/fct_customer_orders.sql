-- One row per order, with the customer's attributes and the order's rank in the customer's history.
with order_items as (
    select * from {{ ref('int_order_items') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

sequenced as (
    select
        order_items.*,
        row_number() over (
            partition by order_items.customer_id
            order by order_items.ordered_at, order_items.order_id
        ) as customer_order_seq,
        sum(order_items.net_amount) over (
            partition by order_items.customer_id
            order by order_items.ordered_at, order_items.order_id
            rows between unbounded preceding and current row
        ) as customer_running_total
    from order_items
),

final as (
    select
        sequenced.order_id,
        sequenced.customer_id,
        customers.segment,
        customers.region,
        sequenced.order_date,
        sequenced.ordered_at,
        sequenced.order_status,
        sequenced.product_id,
        sequenced.category,
        sequenced.quantity,
        sequenced.order_amount,
        sequenced.net_amount,
        sequenced.customer_order_seq,
        case when sequenced.customer_order_seq = 1 then true else false end as is_first_order,
        sequenced.customer_running_total
    from sequenced
    left join customers
        on sequenced.customer_id = customers.customer_id
)

select * from final
