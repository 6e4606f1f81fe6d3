with customers as (
    select * from {{ ref('stg_customers') }}
),

countries as (
    select * from {{ ref('country_codes') }}
),

customer_orders as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as number_of_orders,
        sum(net_amount) as lifetime_value
    from {{ ref('int_order_items') }}
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customers.email,
        customers.segment,
        customers.country_code,
        countries.country_name,
        countries.region,
        customers.created_at,
        customers.updated_at,
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        coalesce(customer_orders.number_of_orders, 0) as number_of_orders,
        coalesce(customer_orders.lifetime_value, 0) as lifetime_value
    from customers
    left join countries
        on customers.country_code = countries.country_code
    left join customer_orders
        on customers.customer_id = customer_orders.customer_id
)

select * from final
