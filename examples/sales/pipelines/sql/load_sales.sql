-- Load one day of the daily sales fact into the reporting table (idempotent: delete + insert).
create schema if not exists reporting;
create table if not exists reporting.daily_sales_summary as
    select sale_date, total_revenue, order_count, unique_customers from main.fct_daily_sales where false;
delete from reporting.daily_sales_summary where sale_date = date '{{ params.date }}';
insert into reporting.daily_sales_summary
    select sale_date, sum(total_revenue), sum(order_count), sum(unique_customers)
    from main.fct_daily_sales
    where sale_date = date '{{ params.date }}'
    group by sale_date;
select count(*) from reporting.daily_sales_summary where sale_date = date '{{ params.date }}';
