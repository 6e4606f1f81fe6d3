select id as customer_id, name as customer_name, country, signup_date from {{ ref('customers') }}
