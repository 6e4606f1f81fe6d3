-- enabled in phase 1, disabled in phase 2: dbt leaves the phase-1 table in place
select customer_id, customer_name from {{ ref('stg_customers') }} where country = 'DE'
