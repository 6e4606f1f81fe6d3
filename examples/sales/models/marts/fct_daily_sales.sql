{{
    config(
        materialized='incremental',
        unique_key=['sale_date', 'product_id'],
        incremental_strategy='merge'
    )
}}

with orders as (
    select * from {{ ref('stg_orders') }}
    {% if is_incremental() %}
    where ordered_at >= (select max(sale_date) from {{ this }})
    {% endif %}
),

daily_sales as (
    select
        cast(ordered_at as date) as sale_date,
        product_id,
        sum(quantity) as total_quantity,
        sum(order_amount) as total_revenue,
        count(*) as order_count,
        count(distinct customer_id) as unique_customers
    from orders
    where order_status not in ('cancelled', 'refunded')
    group by 1, 2
)

select * from daily_sales
