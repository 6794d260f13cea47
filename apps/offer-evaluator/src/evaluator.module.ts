import { Module } from '@nestjs/common';
import { EvaluatorController } from './evaluator.controller';
import { LedgerService } from './ledger.service';

@Module({ controllers: [EvaluatorController], providers: [LedgerService] })
export class EvaluatorModule {}
