{{ config(materialized='ephemeral') }}
-- an ephemeral reading another ephemeral
select customer_id, count(*) as n_orders, sum(amount) as total_amount, max(order_date) as last_order_date
from {{ ref('eph_completed') }}
group by customer_id
