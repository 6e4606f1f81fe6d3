{{ config(schema='finance', alias='daily_revenue', materialized='table') }}
select order_date, sum(amount) as revenue, count(*) as n_orders
from {{ ref('eph_completed') }}
group by order_date
