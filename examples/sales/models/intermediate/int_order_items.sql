-- One row per (clean) order line, with the product it sold.
with orders as (
    select * from {{ ref('stg_orders') }}
),

products as (
    select * from {{ ref('stg_products') }}
),

joined as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_status,
        orders.ordered_at,
        cast(orders.ordered_at as date) as order_date,
        orders.product_id,
        products.product_name,
        products.category,
        orders.quantity,
        orders.unit_price,
        orders.order_amount,
        case
            when orders.order_status in ('cancelled', 'refunded') then 0
            else orders.order_amount
        end as net_amount
    from orders
    inner join products
        on orders.product_id = products.product_id
)

select * from joined
